/** How a container sees its image and volumes: bind (containerd 1.7's, the default) or sandbox (1.6's). */
export type MountMode = 'bind' | 'sandbox';

/** Per-pod override of the node's mount mode (`hostpod run --mount-mode`, the agent's setting). */
export const MOUNT_MODE_ANNOTATION = 'hostpod.io/mount-mode';

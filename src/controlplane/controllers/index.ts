/** The controllers `hostpod up` runs, in start order. */
import type { Controller, ControllerContext } from './context.js';
import { NamespaceController } from './namespace.js';
import { ServiceAccountController } from './serviceaccount.js';
import { DaemonSetController } from './daemonset.js';
import { GarbageCollector } from './garbage-collector.js';
import { PodGarbageCollector } from './pod-gc.js';
import { Scheduler } from './scheduler.js';
import { DeploymentController } from './deployment.js';
import { ReplicaSetController } from './replicaset.js';

export function startControllers(context: ControllerContext): Controller[] {
  const controllers: Controller[] = [
    new NamespaceController(context), new ServiceAccountController(context), new GarbageCollector(context),
    new DaemonSetController(context), new Scheduler(context), new PodGarbageCollector(context),
    new DeploymentController(context), new ReplicaSetController(context),
  ];
  for (const c of controllers) c.start();
  return controllers;
}

export type { Controller, ControllerContext } from './context.js';

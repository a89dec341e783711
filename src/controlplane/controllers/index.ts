/** The controllers `hostpod up` runs, in start order. */
import type { Controller, ControllerContext } from './context.js';
import { NamespaceController } from './namespace.js';
import { ServiceAccountController } from './serviceaccount.js';
import { DaemonSetController } from './daemonset.js';
import { GarbageCollector } from './garbage-collector.js';
import { PodGarbageCollector } from './pod-gc.js';
import { Scheduler } from './scheduler.js';
import { EndpointsController } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { KubernetesServiceController } from './kubernetes-service.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring.js';
import { serviceNetwork } from '../services/service-network.js';
import { ClusterRoleAggregationController } from './clusterrole-aggregation.js';
import { CustomResourceDefinitionController } from './customresourcedefinitions.js';
import { JobController } from './job.js';
import { CronJobController } from './cronjob.js';
import { TtlAfterFinishedController } from './ttl-after-finished.js';
import { DeploymentController } from './deployment.js';
import { ReplicaSetController } from './replicaset.js';
import { EventBroadcaster } from './events.js';

export function startControllers(context: ControllerContext): Controller[] {
  const controllers: Controller[] = [
    new EventBroadcaster(context.api, context.log),
    new NamespaceController(context), new ServiceAccountController(context), new GarbageCollector(context),
    new DaemonSetController(context), new Scheduler(context), new PodGarbageCollector(context),
    new ClusterRoleAggregationController(context),
    new CustomResourceDefinitionController(context),
    new JobController(context), new TtlAfterFinishedController(context), new CronJobController(context),
    new DeploymentController(context), new ReplicaSetController(context),
  ];
  controllers.push(new EndpointsController(context), new EndpointSliceController(context), new EndpointSliceMirroringController(context));
  if (context.apiServer) controllers.push(new KubernetesServiceController(context, context.serviceNetwork ?? serviceNetwork(), context.apiServer));
  for (const c of controllers) c.start();
  return controllers;
}

export type { Controller, ControllerContext } from './context.js';

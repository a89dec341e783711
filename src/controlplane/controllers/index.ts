/** The controllers `hostpod up` runs, in start order. */
import type { Controller, ControllerContext } from './context.js';
import { NamespaceController } from './namespace.js';
import { ServiceAccountController } from './serviceaccount.js';

export function startControllers(context: ControllerContext): Controller[] {
  const controllers: Controller[] = [new NamespaceController(context), new ServiceAccountController(context)];
  for (const c of controllers) c.start();
  return controllers;
}

export type { Controller, ControllerContext } from './context.js';

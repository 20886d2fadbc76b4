// The resource actors' one entry point: the controllers (one per kind, parents first), the
// admission hooks they bring, and the actor tree with the router derived from them
// (docs/controllers.md, "Declarative controllers").
import { defaultHooks } from '../admission/index.js';
import type { AdmissionHook } from '../admission/types.js';
import type { Kernel } from '../supervisor/types.js';
import type { AppMsg } from './app/config.js';
import { appController } from './app/controller.js';
import type { ActorEnv, Controller, HookEnv, RunningController, Target } from './controller.js';
import { gcBehavior } from './gc.js';
import { limaVMController } from './limavm/controller.js';
import type { ShutdownReply, VmMsg } from './limavm/messages.js';
import { namespaceController } from './namespaces.js';
import { ActorRegistry } from './registry.js';
import { Router } from './router.js';
import { kindSupervisor } from './supervisors.js';

export { defaultAppConfig, type AppConfig, type AppMsg } from './app/config.js';
export { choosePort } from './app/port.js';
export { sshPortFor, type InstanceValues } from './app/template.js';
export type { ActorEnv, Controller, HookEnv } from './controller.js';
export { defaultVmConfig, type VmConfig } from './limavm/config.js';
export type { ShutdownReply, VmMsg } from './limavm/messages.js';
export { ActorRegistry } from './registry.js';

/** Every kind's controller, parents first: objects are replayed in this order at start. */
export const CONTROLLERS: readonly Controller[] = [namespaceController, appController, limaVMController];

/** The admission hooks: the generic ones, then each controller's. */
export function admissionHooks(env: HookEnv): AdmissionHook[] {
  return [...defaultHooks({ templateValidator: env.templateValidator }), ...CONTROLLERS.flatMap((c) => c.hooks(env))];
}

export interface Actors {
  readonly vms: ActorRegistry<VmMsg>;
  readonly apps: ActorRegistry<AppMsg>;
  /** Interrupts every hostagent at once, each bounded by `graceMs`, then forced. */
  stopVMs(graceMs: number): Promise<{ vms: number; forced: number; failed: number }>;
  /** Stops routing (the kernel's shutdown stops the actors). */
  stop(): void;
}

/** Spawns the kind supervisors, the garbage collector and the kind actors, then routes the store to them. */
export function startActors(kernel: Kernel, base: Omit<ActorEnv, 'vms' | 'apps'>): Actors {
  const vms = new ActorRegistry<VmMsg>();
  const apps = new ActorRegistry<AppMsg>();
  const env: ActorEnv = { ...base, vms, apps };
  const { store } = env;

  const generationOf = (kind: string) => (x: Target) => {
    const obj = store.get(kind, x.namespace, x.name);
    return obj && obj.metadata.uid === x.uid ? obj.metadata.generation : undefined;
  };
  // Kind supervisors first, singletons last: the kernel stops them in reverse order.
  const running = new Map<Controller, RunningController>();
  for (const c of CONTROLLERS) {
    const b = c.behavior;
    if (b.mode !== 'perObject') continue;
    const supervisor = kernel.spawn({
      name: b.supervisor,
      shutdownMs: 'infinity',
      behavior: kindSupervisor({
        registry: b.registry(env),
        generationOf: generationOf(c.kind),
        childSpec: (t, self) => b.child(t, env, (uid) => self.tell({ t: 'gone', uid })),
      }),
    });
    running.set(c, { controller: c, mode: 'perObject', registry: b.registry(env), supervisor });
  }
  const gc = kernel.spawn({ name: 'gc', behavior: gcBehavior({ store, api: env.api }) });
  for (const c of CONTROLLERS) {
    const b = c.behavior;
    if (b.mode !== 'singleton') continue;
    running.set(c, { controller: c, mode: 'singleton', actor: kernel.spawn({ name: b.name, behavior: b.behavior(env) }) });
  }
  const controllers = CONTROLLERS.flatMap((c) => running.get(c) ?? []);
  const router = new Router({ store, controllers, gc });
  router.start();

  async function stopVMs(graceMs: number) {
    const replies = await Promise.allSettled(
      vms.refs().map((ref) =>
        kernel.ask<VmMsg, ShutdownReply>(ref, (reply) => ({ t: 'shutdown', graceMs, reply }), graceMs + 15_000),
      ),
    );
    return {
      vms: replies.length,
      forced: replies.filter((r) => r.status === 'fulfilled' && r.value.forced).length,
      failed: replies.filter((r) => r.status === 'rejected').length,
    };
  }

  return { vms, apps, stopVMs, stop: () => router.stop() };
}

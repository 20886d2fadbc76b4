import test from 'ava';
import { parse } from 'yaml';
import { renderAppTemplate, sshPortFor, preferredKubernetesPort } from '../../src/actors/app/template.js';
import { resolveInstance, resolvePaths } from '../../src/service/instance.js';

function render(instanceName: string, k8sPort: number) {
  const inst = resolveInstance(instanceName, {});
  const paths = resolvePaths(inst, { RDD_HOME: '/tmp/rddhome' });
  return renderAppTemplate({
    instanceName: inst.name, index: inst.index, dockerSocket: paths.dockerSocket,
    spec: { running: true, kubernetes: { enabled: true, version: '1.33.4' }, virtualMachine: { cpus: 2, memory: '4Gi' } },
    kubernetesPort: k8sPort,
  });
}

interface Forward { guestPort?: number; hostPort?: number; hostIP?: string; hostSocket?: string; guestIP?: string; guestPortRange?: number[] }

function hostSide(text: string): { ports: number[]; sockets: string[] } {
  const doc = parse(text) as { ssh: { localPort: number }; portForwards: Forward[] };
  const ports = [doc.ssh.localPort, ...doc.portForwards.map((f) => f.hostPort ?? 0).filter((p) => p > 0)];
  const sockets = doc.portForwards.map((f) => f.hostSocket ?? '').filter((s) => s !== '');
  return { ports, sockets };
}

test('two instances render templates that share no host port or socket', (t) => {
  const a = render('2', preferredKubernetesPort(2));
  const b = render('dev', preferredKubernetesPort(resolveInstance('dev', {}).index));
  const ha = hostSide(a);
  const hb = hostSide(b);
  t.true(ha.ports.length >= 2 && ha.sockets.length >= 1);
  t.deepEqual(ha.ports.filter((p) => hb.ports.includes(p)), []);
  t.deepEqual(ha.sockets.filter((s) => hb.sockets.includes(s)), []);
});

test('ports derive from the instance index', (t) => {
  t.is(preferredKubernetesPort(2), 7443);
  t.is(sshPortFor(2), 52002);
  const doc = parse(render('2', 7443)) as { ssh: { localPort: number }; portForwards: Forward[]; param: Record<string, string> };
  t.is(doc.ssh.localPort, 52002);
  t.is(doc.portForwards[0]?.hostPort, 7443);
  t.is(doc.param.KUBERNETES_PORT, '7443');
  t.is(doc.param.HOST_DOCKER_SOCKET, '/tmp/rddhome/.rd2/docker.sock');
});

test('guest ports are forwarded to 127.0.0.1, never 0.0.0.0', (t) => {
  const doc = parse(render('2', 7443)) as { portForwards: Forward[] };
  for (const f of doc.portForwards) if (f.hostIP !== undefined) t.is(f.hostIP, '127.0.0.1');
  t.false(render('2', 7443).includes('hostIP: 0.0.0.0'));
});

test('rendering is deterministic and reflects cpus, memory and the engine', (t) => {
  t.is(render('2', 7443), render('2', 7443));
  const doc = parse(render('2', 7443)) as { cpus: number; memory: string; param: Record<string, string> };
  t.is(doc.cpus, 2);
  t.is(doc.memory, '4GiB');
  t.is(doc.param.CONTAINER_ENGINE, 'moby');
});

// Host port selection for the Kubernetes API: the instance's own port when it is free, else one
// the OS picks. The choice is recorded in App.status, so the template stays stable.
import { createServer } from 'node:net';

function bindOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

export async function choosePort(preferred: number, host = '127.0.0.1'): Promise<number> {
  const p = await bindOnce(preferred, host);
  if (p !== undefined) return p;
  const any = await bindOnce(0, host);
  if (any === undefined) throw new Error(`no free TCP port on ${host}`);
  return any;
}

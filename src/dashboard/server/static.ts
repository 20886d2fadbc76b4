// Serves the status page's files on the gateway's TCP port. Only a fixed list of files, read once
// at start; a strict Content-Security-Policy (no inline script, no eval, sockets only to this
// origin); and a Host check, so a page from a DNS-rebound foreign name is not served.
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { packageRoot } from '../../package-root.js';

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** dist/dashboard, written by scripts/bundle-dashboard.mjs at `npm run build`. */
export function defaultAssetsDir(): string {
  return path.join(packageRoot(), 'dist', 'dashboard');
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface StaticSite {
  /** Answers a plain HTTP request; false when the path is not one of the page's files. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, port: number): boolean;
}

export function staticSite(dir: string): StaticSite {
  const cache = new Map<string, Buffer>();
  const read = (file: string): Buffer | undefined => {
    let b = cache.get(file);
    if (!b) {
      try {
        b = fs.readFileSync(path.join(dir, file));
      } catch {
        return undefined;
      }
      cache.set(file, b);
    }
    return b;
  };
  return {
    serve(req, res, port) {
      const pathname = (req.url ?? '/').split('?')[0] ?? '/';
      const entry = FILES[pathname];
      if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
      const host = (req.headers.host ?? '').toLowerCase();
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
        res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`open the page at http://127.0.0.1:${port}/ (host ${JSON.stringify(host.slice(0, 100))} is not this daemon)\n`);
        return true;
      }
      const body = read(entry.file);
      if (!body) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`the status page is not built (${entry.file} missing in ${dir}); run "npm run build"\n`);
        return true;
      }
      res.writeHead(200, {
        'Content-Type': entry.type,
        'Content-Length': body.length,
        'Content-Security-Policy': contentSecurityPolicy(port),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}

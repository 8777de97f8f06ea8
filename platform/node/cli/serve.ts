import type { Command } from 'commander';
import { startServer } from '../server.ts';
import { addBootOptions, nodeBootOptions, type BootCliOptions } from './boot-options.ts';

export function registerServe(program: Command): void {
  addBootOptions(program
    .command('serve')
    .description('boot the kernel (config, trust roots, self-tests, stores) and start its HTTP server with the web console'))
    .option('--port <port>', 'TCP port', (v) => Number.parseInt(v, 10), Number(process.env['PORT'] ?? 8787))
    .option('--host <host>', 'interface to listen on; on a loopback address only requests naming this machine (or api.allowedHosts) in their Host are answered', '127.0.0.1')
    .action(async (opts: BootCliOptions & { port: number; host: string }) => {
      const server = await startServer({ port: opts.port, hostname: opts.host, boot: nodeBootOptions(opts) });
      // an IPv6 address is bracketed in a URL
      const host = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
      process.stdout.write(`forge: kernel listening on http://${host}:${server.port}/ (console at /, health at /health, liveness at /healthz)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

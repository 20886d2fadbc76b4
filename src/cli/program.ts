// The command tree. Global options (--instance, --log-level) go before the subcommand.
import { Command, Option } from 'commander';
import { VERSION } from '../service/version.js';
import { registerAppCommands } from './commands/app.js';
import { registerCtlCommands } from './commands/ctl.js';
import { registerKubectlCommand } from './commands/kube.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerLimaVMCommands } from './commands/limavm.js';
import { registerServiceCommands } from './commands/service.js';
import { Cli, LOG_LEVELS, type GlobalOptions, type Io } from './context.js';
import { ExitCode } from './exit.js';

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 error, 2 usage, 3 rejected by the server (admission/validation),
4 timed out, 5 incompatible daemon.`;

/** Builds the program; `onCli` receives the context the running command created (for cleanup). */
export function buildProgram(io: Io, onCli: (cli: Cli) => void): Command {
  const program = new Command('rdd');
  let cli: Cli | undefined;
  const cliOf = (cmd: Command): Cli => {
    if (!cli) {
      cli = new Cli(cmd.optsWithGlobals<GlobalOptions>(), io);
      onCli(cli);
    }
    return cli;
  };
  program
    .description('Control the rdd daemon, its App and its LimaVMs')
    .version(VERSION, '--version', 'print the version')
    .addOption(new Option('--instance <name>', 'instance to use (default: $RDD_INSTANCE, else "2")'))
    .addOption(new Option('--log-level <level>', 'log level of the CLI (and of a daemon it starts)').choices([...LOG_LEVELS]))
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .addHelpText('after', EXIT_CODES_HELP);

  registerAppCommands(program, cliOf);
  registerLimaVMCommands(program, cliOf);
  registerCtlCommands(program, cliOf);
  registerServiceCommands(program, cliOf);
  registerKubectlCommand(program, cliOf);
  registerDashboardCommand(program, cliOf);
  return program;
}

export { ExitCode };

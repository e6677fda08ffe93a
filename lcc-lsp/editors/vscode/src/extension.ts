// VS Code client for the LCC language server (`lcc lsp`, stdio).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

const CLIENT_ID = 'lcc';
const CLIENT_NAME = 'LCC Language Server';

/** The `lcc.*` settings the client reads. */
export interface LccSettings {
  /** `lcc.server.path`: the `lcc` executable. */
  serverPath: string;
  /** `lcc.server.extraArgs`: arguments after `lsp`. */
  extraArgs: string[];
  /** `lcc.verifyOnSave`. */
  verifyOnSave: boolean;
  /** `lcc.verifyTimeBudgetMs`. */
  verifyTimeBudgetMs: number;
}

/** Sent to the server as `initializationOptions`. */
export interface LccInitializationOptions {
  verifyOnSave: boolean;
  verifyTimeBudgetMs: number;
}

let client: LanguageClient | undefined;
let outputChannel: vscode.LogOutputChannel | undefined;
let traceOutputChannel: vscode.LogOutputChannel | undefined;
/** Serialises start / stop / restart so that overlapping requests cannot race. */
let lifecycle: Promise<void> = Promise.resolve();

export function readSettings(): LccSettings {
  const config = vscode.workspace.getConfiguration('lcc');
  const rawPath = config.get<unknown>('server.path');
  const rawArgs = config.get<unknown>('server.extraArgs');
  const rawVerify = config.get<unknown>('verifyOnSave');
  const rawBudget = config.get<unknown>('verifyTimeBudgetMs');
  return {
    serverPath: typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath.trim() : 'lcc',
    extraArgs: Array.isArray(rawArgs)
      ? rawArgs.filter((a): a is string => typeof a === 'string')
      : [],
    verifyOnSave: typeof rawVerify === 'boolean' ? rawVerify : true,
    verifyTimeBudgetMs:
      typeof rawBudget === 'number' && Number.isFinite(rawBudget) && rawBudget >= 0
        ? rawBudget
        : 2000,
  };
}

/**
 * Turns `lcc.server.path` into something `spawn` can run: `~` is expanded, and a
 * relative path with a directory part (`./target/debug/lcc`) is taken relative to
 * the first workspace folder. A bare name (`lcc`) is left for the PATH lookup.
 */
export function resolveServerPath(configured: string, workspaceRoot: string | undefined): string {
  let p = configured;
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(os.homedir(), p.slice(1));
  }
  const hasDirectory = p.includes('/') || p.includes('\\');
  if (hasDirectory && !path.isAbsolute(p) && workspaceRoot !== undefined) {
    p = path.resolve(workspaceRoot, p);
  }
  return p;
}

function isExecutableFile(candidate: string): boolean {
  try {
    if (!fs.statSync(candidate).isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(candidate, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** Where `command` would be found, or `undefined` when it cannot be run. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extensions =
    process.platform === 'win32'
      ? ['', ...(env['PATHEXT'] ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '')]
      : [''];
  if (command.includes('/') || command.includes('\\') || path.isAbsolute(command)) {
    return extensions.map((e) => command + e).find(isExecutableFile);
  }
  const dirs = (env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    for (const e of extensions) {
      const candidate = path.join(dir, command + e);
      if (isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function describeCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

async function reportStartFailure(commandLine: string, reason: string): Promise<void> {
  const message =
    `Could not start the LCC language server \`${commandLine}\`: ${reason}. ` +
    'Set `lcc.server.path` to the `lcc` executable (build it with `cargo install --path .` ' +
    'at the root of the LCC repository), then run "LCC: Restart Language Server".';
  outputChannel?.error(message);
  const openSettings = 'Open Settings';
  const showOutput = 'Show Output';
  const choice = await vscode.window.showErrorMessage(message, openSettings, showOutput);
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'lcc.server');
  } else if (choice === showOutput) {
    outputChannel?.show(true);
  }
}

function initializationOptions(): LccInitializationOptions {
  const s = readSettings();
  return { verifyOnSave: s.verifyOnSave, verifyTimeBudgetMs: s.verifyTimeBudgetMs };
}

async function startClient(): Promise<void> {
  const settings = readSettings();
  const workspaceRoot = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const command = resolveServerPath(settings.serverPath, workspaceRoot);
  const args = ['lsp', ...settings.extraArgs];
  const commandLine = describeCommand(settings.serverPath, args);

  // Check first: a missing binary is the common failure and deserves one clear message
  // rather than the client library's generic "couldn't create connection".
  const executable = findExecutable(command);
  if (executable === undefined) {
    void reportStartFailure(
      commandLine,
      `\`${command}\` was not found or is not executable` +
        (command.includes('/') || command.includes('\\') ? '' : ' on the PATH'),
    );
    return;
  }

  const serverOptions: ServerOptions = {
    command: executable,
    args,
    transport: TransportKind.stdio,
    options: workspaceRoot !== undefined ? { cwd: workspaceRoot } : {},
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'lcc' },
      { scheme: 'untitled', language: 'lcc' },
    ],
    initializationOptions,
    synchronize: { configurationSection: 'lcc' },
    outputChannel,
    traceOutputChannel,
  };

  const next = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client = next;
  outputChannel?.info(`Starting ${describeCommand(executable, args)}`);
  try {
    await next.start();
  } catch (error) {
    if (client === next) {
      client = undefined;
    }
    try {
      await next.dispose();
    } catch {
      // The client never got going; nothing more to release.
    }
    await reportStartFailure(commandLine, errorText(error));
  }
}

async function stopClient(): Promise<void> {
  const current = client;
  client = undefined;
  if (current === undefined) {
    return;
  }
  try {
    await current.stop(5000);
  } catch (error) {
    outputChannel?.warn(`Stopping the LCC language server failed: ${errorText(error)}`);
  }
  try {
    await current.dispose();
  } catch {
    // Already stopped.
  }
}

function enqueue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

export function restartServer(): Promise<void> {
  return enqueue(async () => {
    await stopClient();
    await startClient();
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  traceOutputChannel = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`, { log: true });
  context.subscriptions.push(outputChannel, traceOutputChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand('lcc.restartServer', () => restartServer()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Other `lcc.*` settings reach the running server as didChangeConfiguration.
      if (event.affectsConfiguration('lcc.server')) {
        void restartServer();
      }
    }),
  );

  await enqueue(startClient);
}

export function deactivate(): Promise<void> {
  return enqueue(stopClient);
}

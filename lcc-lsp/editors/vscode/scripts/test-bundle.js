#!/usr/bin/env node
// Loads dist/extension.js under plain Node with a stub `vscode` module: catches
// bundling mistakes (a missing dependency, a top-level crash) without VS Code, and
// drives activate() far enough to check the command registration and the error
// shown when the server binary cannot be found.
'use strict';

const assert = require('node:assert/strict');
const Module = require('node:module');
const path = require('node:path');
const { test } = require('node:test');

const bundle = path.join(__dirname, '..', 'dist', 'extension.js');

/** A recording stub of the part of the VS Code API the extension uses. */
function makeVscodeStub() {
  const calls = { errors: [], commands: new Map(), executed: [], logs: [] };
  const settings = new Map([
    ['server.path', 'lcc'],
    ['server.extraArgs', []],
    ['verifyOnSave', true],
    ['verifyTimeBudgetMs', 2000],
    ['trace.server', 'off'],
  ]);
  const disposable = () => ({ dispose() {} });
  const channel = (name) => {
    const log = (level) => (msg) => calls.logs.push(`${name} [${level}] ${msg}`);
    return {
      name, logLevel: 2, onDidChangeLogLevel: () => disposable(),
      trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'),
      append() {}, appendLine() {}, replace() {}, clear() {}, show() {}, hide() {}, dispose() {},
    };
  };
  class EventEmitter {
    constructor() { this.event = () => disposable(); }
    fire() {}
    dispose() {}
  }
  class Disposable {
    constructor(fn) { this.fn = fn; }
    static from(...items) { return new Disposable(() => items.forEach((d) => d.dispose())); }
    dispose() { if (this.fn) this.fn(); }
  }
  const vscode = {
    version: '1.91.0',
    EventEmitter,
    Disposable,
    workspace: {
      workspaceFolders: undefined,
      getConfiguration: (section) => {
        assert.equal(section, 'lcc');
        return { get: (key, dflt) => (settings.has(key) ? settings.get(key) : dflt) };
      },
      onDidChangeConfiguration: () => disposable(),
    },
    window: {
      createOutputChannel: (name) => channel(name),
      showErrorMessage: async (message, ...items) => {
        calls.errors.push({ message, items });
        return undefined;
      },
    },
    commands: {
      registerCommand: (id, fn) => {
        calls.commands.set(id, fn);
        return disposable();
      },
      executeCommand: async (...args) => {
        calls.executed.push(args);
      },
    },
  };
  // Anything else the bundle touches at load time gets an inert class.
  const stub = new Proxy(vscode, {
    get(target, prop) {
      if (prop in target || typeof prop === 'symbol') return target[prop];
      return class {};
    },
  });
  return { stub, calls, settings };
}

function loadBundle(stub) {
  const stubId = path.join(__dirname, '__vscode_stub__.js');
  const realResolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'vscode') return stubId;
    return realResolve.call(this, request, ...rest);
  };
  const m = new Module(stubId);
  m.filename = stubId;
  m.loaded = true;
  m.exports = stub;
  require.cache[stubId] = m;
  delete require.cache[require.resolve(bundle)];
  try {
    return require(bundle);
  } finally {
    Module._resolveFilename = realResolve;
    delete require.cache[stubId];
  }
}

test('the bundle exports activate and deactivate', () => {
  const { stub } = makeVscodeStub();
  const ext = loadBundle(stub);
  assert.equal(typeof ext.activate, 'function');
  assert.equal(typeof ext.deactivate, 'function');
});

test('lcc.server.path is resolved like a shell would', () => {
  const { stub } = makeVscodeStub();
  const ext = loadBundle(stub);
  assert.equal(ext.resolveServerPath('lcc', '/ws'), 'lcc');
  assert.equal(ext.resolveServerPath('./target/debug/lcc', '/ws'), path.resolve('/ws', 'target/debug/lcc'));
  assert.equal(ext.resolveServerPath('/opt/lcc/bin/lcc', '/ws'), '/opt/lcc/bin/lcc');
  assert.equal(ext.findExecutable(process.execPath), process.execPath);
  assert.equal(ext.findExecutable('node', { PATH: path.dirname(process.execPath) }), path.join(path.dirname(process.execPath), 'node'));
  assert.equal(ext.findExecutable('lcc-surely-not-installed', { PATH: '/nonexistent' }), undefined);
});

test('settings are read with their defaults', () => {
  const { stub, settings } = makeVscodeStub();
  const ext = loadBundle(stub);
  assert.deepEqual(ext.readSettings(), { serverPath: 'lcc', extraArgs: [], verifyOnSave: true, verifyTimeBudgetMs: 2000 });
  settings.set('server.extraArgs', ['--log', 'debug', 3]);
  settings.set('verifyOnSave', false);
  settings.set('verifyTimeBudgetMs', -1);
  assert.deepEqual(ext.readSettings(), { serverPath: 'lcc', extraArgs: ['--log', 'debug'], verifyOnSave: false, verifyTimeBudgetMs: 2000 });
});

test('activate registers lcc.restartServer and explains a missing server binary', async () => {
  const { stub, calls, settings } = makeVscodeStub();
  settings.set('server.path', '/nonexistent/dir/lcc');
  const ext = loadBundle(stub);
  const context = { subscriptions: [] };
  await ext.activate(context);
  assert.ok(calls.commands.has('lcc.restartServer'), 'lcc.restartServer is registered');
  assert.ok(context.subscriptions.length >= 3);
  assert.equal(calls.errors.length, 1, 'one error message');
  const { message, items } = calls.errors[0];
  assert.match(message, /^Could not start the LCC language server `\/nonexistent\/dir\/lcc lsp`: /);
  assert.match(message, /Set `lcc\.server\.path`/);
  assert.deepEqual(items, ['Open Settings', 'Show Output']);

  // Restarting goes through the same check and reports again.
  await calls.commands.get('lcc.restartServer')();
  assert.equal(calls.errors.length, 2);
  await ext.deactivate();
});

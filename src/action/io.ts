import * as core from '@actions/core';
import type { MainIO, PostIO } from '../app/io';
import type { InputName } from '../settings/inputs';
import { ActionsLog, annotate, fail as failStep, print, secrets } from './log';
import { publish } from './publish';
import { readJournal, StateJournal } from './state';

const input = (name: InputName): string => core.getInput(name);

/** The runner masks it in what it shows; `secrets` redacts it, and its cut parts, in what the action writes. */
function maskSecret(value: string): void {
  core.setSecret(value);
  secrets.add(value);
}

/** Fails the step with a message, or quietly (exit code only) when the annotations say why. */
function fail(message?: string): void {
  if (message === undefined) process.exitCode = core.ExitCode.Failure;
  else failStep(message);
}

/** The main step's I/O on a GitHub runner. */
export function actionMainIO(): MainIO {
  return {
    input,
    env: process.env,
    fail,
    maskSecret,
    log: new ActionsLog(),
    openJournal: (owner) => new StateJournal(owner),
    publish: ({ report, plan, errors }) => publish(report, plan, errors),
    onStop: (stop) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal));
    },
  };
}

/** The post step's I/O on a GitHub runner. */
export function actionPostIO(): PostIO {
  return {
    input,
    env: process.env,
    fail,
    maskSecret,
    readJournal,
    log: {
      info: (message) => print(message),
      warning: (message) => annotate('warning', message),
      error: (message, title) => annotate('error', message, title),
    },
  };
}

/**
 * How a long step tells how far it got, for a caller that shows it (the engine is synchronous,
 * so it must be told as it goes). Called every few thousand lines or chains, never required;
 * lib itself prints nothing.
 */
export type ProgressPhase =
  /** Parsing a dump; done and total count characters of its text. */
  | 'reading'
  /** Building the service model of each side; done and total count sides. */
  | 'modelling'
  /** Comparing chains rule by rule; done and total count chain pairs. */
  | 'comparing';

export type OnProgress = (phase: ProgressPhase, done: number, total: number) => void;

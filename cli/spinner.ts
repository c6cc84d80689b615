/** A one-line progress indicator on stderr, only when stderr is a terminal. */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The part of a terminal stream the line needs (a fake one in tests). */
export type LineStream = Pick<NodeJS.WriteStream, 'isTTY' | 'columns' | 'write'>;

export class Spinner {
  private frame = 0;
  private shown = false;
  constructor(
    private readonly stream: LineStream = process.stderr,
    readonly enabled = Boolean(stream.isTTY),
  ) {}

  update(text: string): void {
    if (!this.enabled) return;
    const width = (this.stream.columns || 80) - 1;
    const line = `${FRAMES[this.frame++ % FRAMES.length]} ${text}`;
    this.stream.write(`\r\u001b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\u001b[2K');
    this.shown = false;
  }
}

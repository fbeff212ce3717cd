import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * The launcher's terminal and its log files. Every child's lines go to `<logDir>/<name>.log`; the
 * terminal shows the launcher's own messages (one line per service as it becomes ready, the ready
 * block, why something stopped) and, with `verbose`, every child's lines too, prefixed with its name.
 */
const palette = ['36', '32', '33', '35', '34', '96', '92', '93', '95', '94'];
const NAME_WIDTH = 8;

export interface OutputOptions {
  /** Where each child's log file goes; none when unset (tests of the launcher's parts). */
  logDir?: string;
  /** Also show every child's lines on the terminal. */
  verbose?: boolean;
  colour?: boolean;
}

export class Output {
  readonly colour: boolean;
  private readonly colours = new Map<string, string>();
  private readonly files = new Map<string, WriteStream>();

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly options: OutputOptions = {},
  ) {
    this.colour = options.colour ?? stream.isTTY === true;
  }

  /** Where `name`'s lines are kept, for the messages that point at it. */
  logFileOf(name: string): string | undefined {
    return this.options.logDir === undefined ? undefined : join(this.options.logDir, `${name}.log`);
  }

  /** One line of a child's output. */
  line(name: string, text: string): void {
    this.file(name)?.write(`${text}\n`);
    if (this.options.verbose || this.options.logDir === undefined) {
      this.stream.write(`${this.prefix(name)} ${text}\n`);
    }
  }

  /** One of the launcher's own messages. */
  say(text: string): void {
    this.file('start')?.write(`${new Date().toISOString()} ${text}\n`);
    this.stream.write(`${this.paint('1', 'start'.padEnd(NAME_WIDTH))} │ ${text}\n`);
  }

  /** Text as it is (the closing summary). */
  raw(text: string): void {
    this.stream.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  emphasis(text: string): string {
    return this.paint('1', text);
  }

  close(): void {
    for (const file of this.files.values()) file.end();
  }

  private file(name: string): WriteStream | undefined {
    const path = this.logFileOf(name);
    if (path === undefined) return undefined;
    let file = this.files.get(name);
    if (file === undefined) {
      mkdirSync(this.options.logDir as string, { recursive: true });
      file = createWriteStream(path, { flags: 'a' });
      this.files.set(name, file);
    }
    return file;
  }

  private prefix(name: string): string {
    let code = this.colours.get(name);
    if (code === undefined) {
      code = palette[this.colours.size % palette.length] ?? '0';
      this.colours.set(name, code);
    }
    return `${this.paint(code, name.padEnd(NAME_WIDTH))} │`;
  }

  private paint(code: string, text: string): string {
    return this.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}

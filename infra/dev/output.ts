/**
 * The launcher's terminal: every child's lines prefixed with its name (coloured when a person watches),
 * and the launcher's own messages under `start`.
 */
const palette = ['36', '32', '33', '35', '34', '96', '92', '93', '95', '94'];
const NAME_WIDTH = 8;

export class Output {
  private readonly colours = new Map<string, string>();

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    readonly colour: boolean = stream.isTTY === true,
  ) {}

  /** One line of a child's output. */
  line(name: string, text: string): void {
    this.stream.write(`${this.prefix(name)} ${text}\n`);
  }

  /** One of the launcher's own messages. */
  say(text: string): void {
    this.stream.write(`${this.paint('1', 'start'.padEnd(NAME_WIDTH))} │ ${text}\n`);
  }

  /** Text as it is (the closing summary). */
  raw(text: string): void {
    this.stream.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  emphasis(text: string): string {
    return this.paint('1', text);
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

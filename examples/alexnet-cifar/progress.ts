/**
 * A progress bar per epoch (cli-progress) with the running loss, images/s and ETA. When standard
 * error is not a terminal (CI, a log file), it prints a plain line every tenth of the epoch instead.
 */
import cliProgress from 'cli-progress';

export class ProgressBar {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly started = performance.now();
  private lastLine = -1;

  constructor(private readonly label: string, private readonly total: number, start = 0) {
    this.bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: `${label} |{bar}| {value}/{total} | loss {loss} | {speed} img/s | ETA {eta_formatted}`,
            barsize: 30,
            hideCursor: true,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar?.start(total, start, { loss: '-', speed: '-' });
  }

  update(done: number, values: { loss: number; imagesPerSecond: number }): void {
    const payload = { loss: values.loss.toFixed(4), speed: values.imagesPerSecond.toFixed(1) };
    if (this.bar) {
      this.bar.update(done, payload);
      return;
    }
    const tenth = Math.floor((10 * done) / this.total);
    if (tenth !== this.lastLine || done === this.total) {
      this.lastLine = tenth;
      process.stderr.write(`${this.label}: ${done}/${this.total} loss ${payload.loss} ${payload.speed} img/s\n`);
    }
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  stop(): void {
    this.bar?.stop();
  }
}

/**
 * How the CPU time of some work grows with its input, measured as a ratio in one run (never as a
 * wall-clock limit): the work on a 4-times-larger input against four runs of the small one in a
 * row, each the best of a few rounds taken in turn, after both were run once (compiled, the heap
 * grown to what the larger needs).
 */
function cpuOf(work: () => void, times: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < times; i++) work();
  const spent = process.cpuUsage(start);
  return spent.user + spent.system;
}

/** CPU time of `large` over that of `small` (per run), the best of `rounds` each. */
export function growthRatio(small: () => void, large: () => void, rounds: number): number {
  small();
  large();
  const times = { small: Infinity, large: Infinity };
  for (let r = 0; r < rounds; r++) {
    times.small = Math.min(times.small, cpuOf(small, 4) / 4);
    times.large = Math.min(times.large, cpuOf(large, 1));
  }
  return times.large / times.small;
}

/**
 * bench/server-core: while a bench measures against its emulator, the emulator's process has one
 * core to itself and the measured children the others; afterwards every core is back.
 */
import { spawnSync } from 'node:child_process';
import { affinityOf, coreList, onClientCores, withServerCore } from '../../bench/server-core';

describe('bench server core', () => {
  it('reads taskset lists', () => {
    expect(coreList('0')).toEqual([0]);
    expect(coreList('0-3')).toEqual([0, 1, 2, 3]);
    expect(coreList('0,2-4,7')).toEqual([0, 2, 3, 4, 7]);
  });

  const cores = affinityOf(process.pid);
  const it2 = cores.length >= 2 ? it : it.skip;

  it2('pins this process to its first core and the children to the rest, then gives every core back', async () => {
    const { value, pinned } = await withServerCore(async () => {
      // The child reads its own affinity.
      const [command, args] = onClientCores('sh', ['-c', 'taskset -cp $$']);
      const child = spawnSync(command, args, { encoding: 'utf8' });
      return { self: affinityOf(process.pid), child: coreList(child.stdout.split(':').pop()?.trim() ?? '') };
    });
    expect(pinned).toBe(true);
    expect(value.self).toEqual([cores[0]]);
    expect(value.child).toEqual(cores.slice(1));
    expect(affinityOf(process.pid)).toEqual(cores);
    // Outside it, children are started as they are.
    expect(onClientCores('node', ['x'])).toEqual(['node', ['x']]);
  });
});

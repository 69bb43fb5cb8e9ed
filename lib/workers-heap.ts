/**
 * The young generation of the code that runs jobs: the workers thread of `npm start`
 * (resourceLimits) and a `worker` process (its node option, scripts/launch.js). A search of
 * thousands of mailboxes keeps each one's request, promise chain and answer alive for a round
 * trip, longer than V8's default young generation (semi-spaces of 16 MB) lets them stay young: they
 * were copied by every scavenge, promoted, then collected with the old generation. With semi-spaces
 * of 32 MB a search of 10,000 mailboxes spent about a fifth less CPU (bench/graph-search, which
 * runs its floor and search children with the same option), for about 40 MB more RSS.
 */
export const WORKERS_SEMI_SPACE_MB = 32;

/** `resourceLimits.maxYoungGenerationSizeMb` of the workers thread: V8's young generation is three semi-spaces (two, and the large-object space). */
export const WORKERS_YOUNG_GENERATION_MB = 3 * WORKERS_SEMI_SPACE_MB;

/** The node option of a worker process. */
export const WORKERS_NODE_OPTION = `--max-semi-space-size=${WORKERS_SEMI_SPACE_MB}`;

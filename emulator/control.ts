/**
 * `/_emulator/…`: knobs for a test or a resilience suite in another process. Never subject to
 * faults, never recorded in the ledger.
 *
 *   GET  /_emulator/health                 {ok, url}
 *   GET  /_emulator/ledger                 mutating requests so far (DELETE clears)
 *   GET  /_emulator/uploads                every request to an attachment upload URL (DELETE clears)
 *   GET  /_emulator/faults                 {rules, seed}
 *   POST /_emulator/faults                 a rule, or {rules:[…], replace?, seed?}; DELETE clears
 *   POST /_emulator/reset                  state back to the seed, faults and ledger cleared (tokens stay)
 *   GET  /_emulator/settings               settings (POST merges, e.g. {tokenLifetimeSeconds: 2})
 *   POST /_emulator/tokens/expire          every issued access token expires now
 *   POST /_emulator/deliver                {to, from, subject, body, …} delivered to local mailboxes,
 *                                          or {mailbox, folder, …} stored in one folder
 *   POST /_emulator/audit                  {contentType, events, tenant?, at?} adds a content blob
 *   POST /_emulator/arrive                 the next demo mail (a user's phishing report) arrives now
 *   GET  /_emulator/state                  a summary of tenants, mailboxes, subscriptions
 *   GET  /_emulator/moves                  the messages moved so far: the `move` records of the
 *                                          ledger, each with its `time` and `batch` (DELETE ledger clears)
 *   POST /_emulator/generate               {users, withoutMailbox?, withoutMail?, domain?, tenant?, seed?,
 *                                           noise?, campaign?: {copies, sender, subject, internetMessageId,
 *                                           receivedDateTime?, folders?, body?}} → 201 a summary
 *                                          (generated-tenant.ts); replaces the previous generation
 *   GET  /_emulator/generated              the generation: input, users without mail / without a mailbox,
 *                                          and each planted copy where it was put and where it is `now`
 *   DELETE /_emulator/generated            removes the generated users and mailboxes
 */
import { isContentType } from './activity-feed';
import type { EmuContext } from './context';
import { DEMO_TENANT } from './demo-seed';
import type { FaultRule } from './faults';
import { copyLocations, generateTenant, removeGenerated, type GeneratedTenant, type GenerateInput } from './generated-tenant';
import { isObject, json, parseJson, Reply, type EmuRequest, type EmuResponse } from './http';
import { deliverNextArrival } from './mail-arrival';
import type { MessageInput } from './message-input';
import type { Settings } from './settings';

/** What `POST /_emulator/generate` answers (counts, not lists). */
function generationSummary(gen: GeneratedTenant): Record<string, unknown> {
  return {
    tenant: gen.tenantId,
    domain: gen.domain,
    seed: gen.seed,
    at: gen.at,
    users: gen.users,
    mailboxes: gen.mailboxes,
    withoutMailbox: gen.withoutMailbox.length,
    withoutMail: gen.withoutMail.length,
    noise: gen.noise,
    campaign: gen.campaign,
    copies: gen.copies.length,
  };
}

export interface ControlHooks {
  /** Restores the initial state (seeded or empty), clears faults and ledger; issued tokens stay valid. */
  reset(): void;
}

function bad(message: string): EmuResponse {
  return json(400, { error: { code: 'BadRequest', message } });
}

function body(req: EmuRequest): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseJson(req.body);
  } catch {
    throw new Reply(bad('Body is not valid JSON.'));
  }
  if (v === undefined) return {};
  if (!isObject(v)) throw new Reply(bad('Expected a JSON object.'));
  return v;
}

const SETTING_KEYS: (keyof Settings)[] = [
  'tokenLifetimeSeconds',
  'refreshTokenLifetimeSeconds',
  'authCodeLifetimeSeconds',
  'graphPageSize',
  'graphMaxPageSize',
  'batchLimit',
  'mailboxConcurrencyLimit',
  'contentPageSize',
  'generateAuditContent',
  'contentIntervalMinutes',
  'mailArrivalMinutes',
  'uploadSessionLifetimeSeconds',
];

export function handleControl(req: EmuRequest, ctx: EmuContext, hooks: ControlHooks): EmuResponse {
  const { state, faults, ledger } = ctx;
  const what = req.segments.slice(1).join('/');
  const m = req.method;
  try {
    switch (`${m} ${what}`) {
      case 'GET health':
        return json(200, { ok: true, url: req.baseUrl });
      case 'GET ledger':
        return json(200, ledger);
      case 'DELETE ledger':
        ledger.length = 0;
        return { status: 204, headers: {} };
      case 'GET uploads':
        return json(200, state.uploadLog);
      case 'DELETE uploads':
        state.uploadLog.length = 0;
        return { status: 204, headers: {} };
      case 'GET faults':
        return json(200, faults.snapshot());
      case 'DELETE faults':
        faults.clear();
        return json(200, faults.snapshot());
      case 'POST faults': {
        const b = body(req);
        if (b.replace === true) faults.clear();
        if (typeof b.seed === 'number') faults.setSeed(b.seed);
        const rules = Array.isArray(b.rules) ? b.rules : 'rules' in b ? [] : [b];
        for (const r of rules) {
          if (!isObject(r)) return bad('Each rule must be an object.');
          const { replace: _r, seed: _s, rules: _rs, ...rule } = r;
          if (Object.keys(rule).length > 0) faults.set(rule as FaultRule);
        }
        return json(200, faults.snapshot());
      }
      case 'POST reset':
        hooks.reset();
        return json(200, { ok: true });
      case 'GET settings':
        return json(200, state.settings);
      case 'POST settings': {
        const b = body(req);
        for (const [k, v] of Object.entries(b)) {
          if (!SETTING_KEYS.includes(k as keyof Settings)) return bad(`Unknown setting '${k}'.`);
          (state.settings as unknown as Record<string, unknown>)[k] =
            k === 'contentIntervalMinutes' && isObject(v) ? { ...state.settings.contentIntervalMinutes, ...v } : v;
        }
        return json(200, state.settings);
      }
      case 'POST tokens/expire': {
        const now = Date.now();
        for (const t of state.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
        return json(200, { expired: state.tokens.size });
      }
      case 'POST deliver': {
        const b = body(req);
        const input = b as MessageInput & { mailbox?: string; folder?: string; to?: unknown };
        if (typeof input.to === 'string') input.to = [input.to];
        if (Array.isArray(input.attachments)) {
          input.attachments = input.attachments.map((a) => {
            const x = a as Record<string, unknown>;
            return typeof x.contentBase64 === 'string'
              ? {
                  name: String(x.name),
                  contentType: typeof x.contentType === 'string' ? x.contentType : undefined,
                  content: Buffer.from(x.contentBase64, 'base64'),
                }
              : a;
          });
        }
        if (input.mailbox) {
          const msg = state.addMessage(input.mailbox, input.folder ?? 'inbox', input);
          return json(201, { delivered: [{ mailbox: input.mailbox, id: msg.id, internetMessageId: msg.internetMessageId }] });
        }
        const copies = state.deliver(input);
        const out = copies.map((c) => ({
          mailbox: [...state.mailboxes.values()].find((mb) => mb.messages.get(c.id) === c)?.address,
          id: c.id,
          internetMessageId: c.internetMessageId,
        }));
        return json(201, { delivered: out });
      }
      case 'POST audit': {
        const b = body(req);
        const ct = String(b.contentType ?? '');
        if (!isContentType(ct)) return bad(`Unknown contentType '${ct}'.`);
        if (!Array.isArray(b.events) || !b.events.every(isObject)) return bad('events must be an array of objects.');
        const tenant = state.findTenant(typeof b.tenant === 'string' ? b.tenant : DEMO_TENANT);
        if (!tenant) return bad(`Unknown tenant '${String(b.tenant)}'.`);
        const at = typeof b.at === 'string' ? new Date(b.at) : new Date();
        const blob = state.addAuditEvents(tenant.id, ct, b.events as Record<string, unknown>[], at);
        return json(201, { contentId: blob.contentId, contentCreated: blob.contentCreated });
      }
      case 'POST arrive': {
        const arrived = deliverNextArrival(state, Date.now());
        return arrived
          ? json(201, { delivered: [{ mailbox: arrived.mailbox, id: arrived.id }] })
          : bad('No demo mailbox to deliver to (the emulator started empty).');
      }
      case 'GET moves':
        return json(
          200,
          ledger.filter((e) => e.move).map((e) => ({ time: e.time, batch: e.batch, ...e.move })),
        );
      case 'POST generate': {
        const started = performance.now();
        const gen = generateTenant(state, body(req) as unknown as GenerateInput);
        return json(201, { ...generationSummary(gen), ms: Math.round(performance.now() - started) });
      }
      case 'GET generated': {
        const gen = state.generated;
        if (!gen) return json(404, { error: { code: 'NotFound', message: 'No generated tenant (POST /_emulator/generate).' } });
        return json(200, {
          ...generationSummary(gen),
          withoutMailbox: gen.withoutMailbox,
          withoutMail: gen.withoutMail,
          copies: copyLocations(state),
        });
      }
      case 'DELETE generated':
        removeGenerated(state);
        return { status: 204, headers: {} };
      case 'GET state':
        return json(200, {
          tenants: [...state.tenants.values()],
          apps: [...state.apps.values()].map((a) => ({
            clientId: a.clientId,
            tenantId: a.tenantId,
            displayName: a.displayName,
            redirectUris: a.redirectUris,
            publicClient: a.publicClient,
          })),
          mailboxes: [...state.mailboxes.values()].map((mb) => ({
            address: mb.address,
            folders: [...mb.folders.values()].map((f) => ({
              id: f.id,
              displayName: f.displayName,
              wellKnownName: f.wellKnownName,
              messages: [...mb.messages.values()].filter((x) => x.folderId === f.id).length,
            })),
          })),
          subscriptions: [...state.subscriptions.values()],
          contentBlobs: state.content.size,
          tokens: state.tokens.size,
        });
      default:
        return json(404, { error: { code: 'NotFound', message: `No emulator control route ${m} /_emulator/${what}` } });
    }
  } catch (err) {
    if (err instanceof Reply) return err.response;
    return bad(err instanceof Error ? err.message : String(err));
  }
}

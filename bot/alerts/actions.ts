/**
 * Triage of connector alert cards from chat (behaviour.md 33): Acknowledge, Assign to me, Close
 * with a reason, Escalate (a post in the environment's admin channel). Every click is checked
 * here, never trusted from the card: the alert must belong to the clicked channel, that channel
 * must be bound to the alert's environment, and the clicker needs the analyst role there (a
 * viewer reads, an analyst acts; behaviour.md 37). The card is then drawn again and updated in
 * place for everyone through the outbox (Slack chat.update, Teams and web chat update activity),
 * and the click is written to the environment's audit log (behaviour.md 48). Teams clients also
 * refresh the card per viewer (Universal Actions): `refresh` answers with the card as it is now.
 */
import type { Logger } from 'pino';
import { ALERT_VERBS, CLOSE_REASON_MAX, escalationMessage, triagedAlertMessage } from '../../cards/alert-messages';
import type { ChatMessage } from '../../cards/message';
import { conversationOf } from '../../queue/alert-delivery';
import type { Outbox } from '../../queue/outbox';
import type { AlertRecord, AlertStore, AlertTriage } from '../../store/alerts';
import type { AuditLog } from '../../store/audit';
import type { EnvironmentStore } from '../../store/environments';
import { roleAtLeast, type Role } from '../../store/roles';
import type { Click, Reply } from '../dispatch';

export interface AlertActionDeps {
  alerts: AlertStore;
  environments: EnvironmentStore;
  audit: AuditLog;
  outbox: Outbox;
  log: Logger;
}

type Verb = (typeof ALERT_VERBS)[keyof typeof ALERT_VERBS];

/** The audit event of each triage verb. */
const AUDIT_EVENT: Partial<Record<Verb, string>> = {
  [ALERT_VERBS.acknowledge]: 'alert.acknowledged',
  [ALERT_VERBS.assign]: 'alert.assigned',
  [ALERT_VERBS.close]: 'alert.closed',
  [ALERT_VERBS.escalate]: 'alert.escalated',
};

const ALERT_ID = /^[A-Za-z0-9_-]{1,64}$/;

function refusal(message: string): Reply {
  return { kind: 'reply', private: true, message: { text: message, status: 'error', lines: [message] } };
}

function done(message: string, card: ChatMessage): Reply {
  return { kind: 'reply', private: true, message: { text: message, status: 'info', lines: [message] }, card };
}

/** The alert a click names (`{environment, alert}` on every triage button). */
function refOf(data: Record<string, unknown>): { environment: string; alert: string } | null {
  const environment = typeof data.environment === 'string' ? data.environment : '';
  const alert = typeof data.alert === 'string' ? data.alert : '';
  return environment && environment.length <= 100 && ALERT_ID.test(alert) ? { environment, alert } : null;
}

function closedBy(t: AlertTriage): string {
  return `This alert was closed by ${t.closed!.by}.`;
}

export function isAlertVerb(verb: string): boolean {
  return (Object.values(ALERT_VERBS) as string[]).includes(verb);
}

export class AlertActions {
  constructor(private readonly deps: AlertActionDeps) {}

  /** Null when `click` may act on `record`, else why not (one line). */
  private async refusalFor(click: Pick<Click, 'channel' | 'user'>, record: AlertRecord): Promise<{ message: string } | { role: Role }> {
    const { environments } = this.deps;
    const bound = await environments.environmentOf(click.channel);
    if (bound !== record.environment) return { message: "This alert belongs to another environment: it cannot be acted on from this channel's." };
    if (click.channel !== record.channel) return { message: 'This alert belongs to another channel.' };
    const role = await environments.roleOf(record.environment, click.user);
    if (!role) return { message: `You have no role in environment ${record.environment}.` };
    if (!roleAtLeast(role, 'analyst')) return { message: 'Acting on an alert needs the analyst role.' };
    return { role };
  }

  /** Why `click` may not act on its alert, or null (Slack checks before it opens the reason dialog). */
  async check(click: Pick<Click, 'channel' | 'user' | 'data'>): Promise<string | null> {
    const ref = refOf(click.data);
    const found = ref ? await this.deps.alerts.get(ref.environment, ref.alert) : null;
    if (!found) return 'This alert is no longer available.';
    const access = await this.refusalFor(click, found.record);
    if ('message' in access) return access.message;
    return found.triage.closed ? closedBy(found.triage) : null;
  }

  /**
   * The card as `click`'s user should see it now (Teams refresh): with the triage buttons for
   * someone who may act, without them for anyone else; undefined when the alert is gone or the
   * request does not come from the alert's channel.
   */
  async refresh(click: Pick<Click, 'channel' | 'user' | 'data'>): Promise<ChatMessage | undefined> {
    const ref = refOf(click.data);
    const found = ref ? await this.deps.alerts.get(ref.environment, ref.alert) : null;
    if (!ref || !found || click.channel !== found.record.channel) return undefined;
    const access = await this.refusalFor(click, found.record);
    return triagedAlertMessage(found.record.card, found.triage, ref, !('message' in access));
  }

  /** A triage click: checked, applied once, the card redrawn for everyone, audited. */
  async click(click: Click): Promise<Reply> {
    const verb = click.verb as Verb;
    if (verb === ALERT_VERBS.refresh) {
      const card = await this.refresh(click);
      return card ? { kind: 'reply', private: true, message: { text: '', status: 'info' }, card } : refusal('This alert is no longer available.');
    }
    if (!AUDIT_EVENT[verb]) return refusal(`This button (${click.verb}) is not available.`);
    const ref = refOf(click.data);
    const found = ref ? await this.deps.alerts.get(ref.environment, ref.alert) : null;
    if (!ref || !found) return refusal('This alert is no longer available.');
    const access = await this.refusalFor(click, found.record);
    if ('message' in access) return refusal(access.message);
    const reason = String(click.data.reason ?? '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, CLOSE_REASON_MAX);
    if (verb === ALERT_VERBS.close && !reason) return refusal('Give a reason to close the alert.');

    const user = click.user;
    const at = Date.now();
    const outcome = await this.deps.alerts.change(
      ref.environment,
      ref.alert,
      ({ triage: t }): AlertTriage | string => {
        if (t.closed) return closedBy(t);
        switch (verb) {
          case ALERT_VERBS.acknowledge:
            return t.acknowledged ? `This alert was already acknowledged by ${t.acknowledged.by}.` : { ...t, acknowledged: { by: user, at } };
          case ALERT_VERBS.assign:
            return t.assigned?.to === user ? 'This alert is already assigned to you.' : { ...t, assigned: { to: user, by: user, at } };
          case ALERT_VERBS.escalate:
            return t.escalated ? `This alert was already escalated by ${t.escalated.by}.` : { ...t, escalated: { by: user, at } };
          default:
            return { ...t, closed: { by: user, at, reason } };
        }
      },
      async ({ record, triage }) => {
        const card = triagedAlertMessage(record.card, triage, ref);
        await this.deps.outbox.upsert(record.messageKey, record.conversation, card);
        await this.deps.audit.write({
          environment: record.environment,
          actor: user,
          event: AUDIT_EVENT[verb]!,
          detail: `${record.name} (event ${record.eventId}, connector ${record.connector}, ${record.channel})${verb === ALERT_VERBS.close ? `: ${reason}` : ''}`,
        });
        if (verb === ALERT_VERBS.escalate) await this.escalate(record, user);
        return card;
      },
    );
    if (!outcome) return refusal('This alert is no longer available.');
    if ('refused' in outcome) return refusal(outcome.refused);
    const said: Record<string, string> = {
      [ALERT_VERBS.acknowledge]: 'You acknowledged this alert.',
      [ALERT_VERBS.assign]: 'This alert is assigned to you.',
      [ALERT_VERBS.close]: 'You closed this alert.',
      [ALERT_VERBS.escalate]: 'This alert was escalated to the admin channel.',
    };
    this.deps.log.info({ alert: `${ref.environment}/${ref.alert}`, verb, user }, 'alert triaged');
    return done(said[verb]!, outcome.done);
  }

  /**
   * Posts the escalation to the environment's admin channel (its configured one when bound to the
   * environment, else its first bound channel): in the alert's own thread when that is the same
   * channel, else as a new message there naming the alert, its event and where it was posted.
   */
  private async escalate(record: AlertRecord, by: string): Promise<void> {
    const { environments, outbox, log } = this.deps;
    const meta = await environments.getMeta(record.environment);
    const admin =
      meta.adminChannel && (await environments.environmentOf(meta.adminChannel)) === record.environment
        ? meta.adminChannel
        : (await environments.channelsOf(record.environment))[0];
    if (!admin) {
      log.warn({ environment: record.environment, alert: record.id }, 'no admin channel for an escalation');
      return;
    }
    const message = escalationMessage(record.card, {
      name: record.name,
      eventId: record.eventId,
      channel: record.channel,
      connector: record.connector,
      environment: record.environment,
      by,
    });
    if (admin === record.channel) await outbox.post(record.conversation, message, record.messageKey);
    else await outbox.post(conversationOf(admin), message);
  }
}

/**
 * Office 365 Management Activity API fixtures for the connector tests: a fresh tenant (with its
 * own app) per scenario in the emulator, subscriptions, and DLP / Audit.General events in the
 * documented common schema.
 */
import { randomUUID } from 'node:crypto';
import type { ContentType, Emulator } from '../../emulator';

export interface TestTenant {
  id: string;
  clientId: string;
  secret: string;
  /** Connector params that point the connector at this tenant. */
  params: Record<string, unknown>;
}

export function newTenant(emu: Emulator, id: string, subscribe: ContentType[] = ['DLP.All', 'Audit.General']): TestTenant {
  emu.state.addTenant({ id, domains: [`${id}.example`] });
  const clientId = randomUUID();
  const secret = `secret-${id}`;
  emu.state.addApp({ clientId, tenantId: id, secrets: [secret] });
  for (const ct of subscribe) {
    emu.state.subscriptions.set(emu.state.subscriptionKey(id, ct), {
      tenantId: id,
      contentType: ct,
      status: 'enabled',
      webhook: null,
      createdAt: new Date().toISOString(),
    });
  }
  return { id, clientId, secret, params: { 'azure-active-directory-id': id, 'client-id': clientId, 'client-secret': secret } };
}

export function minutesAgo(n: number): Date {
  return new Date(Date.now() - n * 60_000);
}

function creationTime(at: Date): string {
  return at.toISOString().slice(0, 19);
}

export interface DlpOptions {
  id?: string;
  at?: Date;
  operation?: 'DlpRuleMatch' | 'DlpRuleUndo' | 'DlpInfo';
  policy?: string;
  workload?: 'Exchange' | 'SharePoint' | 'OneDrive';
  user?: string;
  values?: Array<{ Name: string; Value: string }>;
  severity?: string;
}

export function dlpEvent(o: DlpOptions = {}): Record<string, unknown> {
  const at = o.at ?? new Date();
  const workload = o.workload ?? 'Exchange';
  const user = o.user ?? 'alice@demo.onmicrosoft.com';
  const values = o.values ?? [{ Name: 'Credit Card Number', Value: '4111 1111 1111 1111' }];
  const messageId = `<${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}@demo.onmicrosoft.com>`;
  const event: Record<string, unknown> = {
    CreationTime: creationTime(at),
    Id: o.id ?? randomUUID(),
    Operation: o.operation ?? 'DlpRuleMatch',
    OrganizationId: 'tenant',
    RecordType: workload === 'Exchange' ? 13 : 11,
    UserKey: '1003BFFD9A3B4C5D',
    UserType: 0,
    Version: 1,
    Workload: workload,
    UserId: user,
    ClientIP: '203.0.113.45',
    ObjectId: workload === 'Exchange' ? messageId : 'https://tenant.sharepoint.com/sites/finance/Shared Documents/payroll.xlsx',
    IncidentId: randomUUID(),
    PolicyDetails: [
      {
        PolicyId: randomUUID(),
        PolicyName: o.policy ?? 'PCI Credit Card Policy',
        Rules: [
          {
            Actions: ['NotifyUser', 'BlockAccess'],
            RuleId: randomUUID(),
            RuleMode: 'Enable',
            RuleName: 'Credit card numbers shared externally',
            Severity: o.severity ?? 'High',
            ConditionsMatched: {
              ConditionMatchedInNewScheme: true,
              SensitiveInformation: [
                {
                  ClassifierType: 'Content',
                  Confidence: 85,
                  Count: values.length,
                  SensitiveInformationDetections: { DetectedValues: values, ResultsTruncated: false },
                  SensitiveInformationTypeName: values[0]?.Name ?? 'Credit Card Number',
                  SensitiveType: '50842eb7-edc8-4019-85dd-5a5c1f2bb085',
                },
              ],
            },
          },
        ],
      },
    ],
    SensitiveInfoDetectionIsIncluded: true,
  };
  if (workload === 'Exchange') {
    event.ExchangeMetaData = {
      BCC: [],
      CC: [],
      From: user,
      MessageID: messageId,
      RecipientCount: 1,
      Sent: at.toISOString(),
      Subject: 'Payment details',
      To: ['partner@fabrikam.example'],
      UniqueID: randomUUID(),
    };
  } else {
    event.SharePointMetaData = {
      From: user,
      FileName: 'payroll.xlsx',
      FilePathUrl: 'https://tenant.sharepoint.com/sites/finance/Shared Documents/payroll.xlsx',
      UniqueID: randomUUID(),
    };
  }
  return event;
}

export interface AuditOptions {
  id?: string;
  at?: Date;
  operation?: string;
  workload?: string;
  status?: string;
  user?: string;
  extra?: Record<string, unknown>;
}

export function auditEvent(o: AuditOptions = {}): Record<string, unknown> {
  const at = o.at ?? new Date();
  return {
    CreationTime: creationTime(at),
    Id: o.id ?? randomUUID(),
    Operation: o.operation ?? 'TeamCreated',
    OrganizationId: 'tenant',
    RecordType: 25,
    UserKey: '1003BFFD9A3B4C5D',
    UserType: 0,
    Version: 1,
    Workload: o.workload ?? 'MicrosoftTeams',
    UserId: o.user ?? 'bob@demo.onmicrosoft.com',
    ClientIP: '198.51.100.23',
    ResultStatus: o.status ?? 'Succeeded',
    ObjectId: `19:${randomUUID().replace(/-/g, '')}@thread.tacv2`,
    ...o.extra,
  };
}

/** Stores events as one content blob of the tenant, created at `at`. */
export function publish(emu: Emulator, tenant: TestTenant, contentType: ContentType, events: Array<Record<string, unknown>>, at: Date): string {
  return emu.state.addAuditEvents(tenant.id, contentType, events, at).contentId;
}

/**
 * Generated Office 365 Management Activity API content: one content blob per content type every
 * few minutes (settings.contentIntervalMinutes) over the last 7 days and on as time passes, each
 * with a few events in the documented common schema (Audit.General: Teams, Security &
 * Compliance alerts, automated investigations, searches, Power BI; DLP.All: DlpRuleMatch /
 * DlpRuleUndo / DlpInfo with PolicyDetails and SensitiveInformationDetections.DetectedValues).
 * Events depend only on tenant, content type and time slot, so every run sees the same content.
 */
import { CONTENT_TYPES, type ContentBlob, type ContentType } from './activity-feed';
import type { Tenant } from './directory';
import { Prng, seedFrom } from './ids';
import type { EmulatorState } from './state';

type Event = Record<string, unknown>;

const DAY_MS = 24 * 3600 * 1000;
const EXTERNAL = ['partner@fabrikam.example', 'j.doe@gmail.example', 'accounts@northwind.example'];
const IPS = ['203.0.113.45', '198.51.100.23', '192.0.2.77', '40.97.148.21', '52.108.9.12'];

/** `2024-05-01T10:22:33` — the audit schema's CreationTime (UTC, no zone). */
function creationTime(d: Date): string {
  return d.toISOString().slice(0, 19);
}

function usersOf(state: EmulatorState, tenantId: string): string[] {
  const u = [...state.users.values()].filter((x) => x.tenantId === tenantId).map((x) => x.userPrincipalName);
  return u.length ? u : [`admin@${tenantId}`];
}

function common(r: Prng, tenant: Tenant, at: Date, recordType: number, workload: string, operation: string, userId: string, resultStatus?: string): Event {
  const e: Event = {
    CreationTime: creationTime(at),
    Id: r.guid(),
    Operation: operation,
    OrganizationId: tenant.id,
    RecordType: recordType,
    UserKey: `1003${r.int(1000000000, 9999999999)}@${tenant.domains[0] ?? tenant.id}`,
    UserType: 0,
    Version: 1,
    Workload: workload,
    UserId: userId,
    ClientIP: r.pick(IPS),
  };
  if (resultStatus !== undefined) e.ResultStatus = resultStatus;
  return e;
}

// ---------------------------------------------------------------- Audit.General

function auditGeneral(r: Prng, tenant: Tenant, at: Date, users: string[]): Event {
  const user = r.pick(users);
  const status = r.next() < 0.85 ? 'Succeeded' : r.pick(['Failed', 'PartiallySucceeded']);
  switch (r.int(0, 5)) {
    case 0: {
      const op = r.pick(['MemberAdded', 'TeamCreated', 'ChannelAdded', 'MemberRemoved']);
      return {
        ...common(r, tenant, at, 25, 'MicrosoftTeams', op, user, status),
        ObjectId: `19:${r.guid().replace(/-/g, '')}@thread.tacv2`,
        TeamName: r.pick(['Finance', 'Incident Response', 'Sales EMEA', 'Project Falcon']),
        TeamGuid: `19:${r.guid().replace(/-/g, '')}@thread.tacv2`,
        CommunicationType: 'Team',
        Members: [{ UPN: r.pick([...users, ...EXTERNAL]), Role: 1, DisplayName: 'Member' }],
      };
    }
    case 1: {
      const severity = r.pick(['Low', 'Medium', 'High']);
      const name = r.pick([
        'Email reported by user as malware or phish',
        'Suspicious email sending patterns detected',
        'Unusual external user file activity',
        'Creation of forwarding/redirect rule',
      ]);
      const alertId = r.guid();
      return {
        ...common(r, tenant, at, 40, 'SecurityComplianceCenter', 'AlertTriggered', 'SecurityComplianceAlerts', status),
        ObjectId: alertId,
        AlertId: alertId,
        AlertType: 'System',
        Name: name,
        PolicyId: r.guid(),
        Status: 'Active',
        Severity: severity,
        Category: 'ThreatManagement',
        Source: 'Office 365 Security & Compliance',
        Comments: 'New alert',
        Data: JSON.stringify({ f3u: user, op: name, tid: tenant.id, ts: at.toISOString(), te: at.toISOString(), ot: 'Alert', sev: severity }),
        AlertEntityId: user,
        EntityType: 'User',
      };
    }
    case 2: {
      const investigationId = `urn:MailInvestigation:${r.guid().replace(/-/g, '')}`;
      const sender = r.pick(['it-support@contoso-helpdesk.co', 'billing@fabrikam-invoices.example']);
      return {
        ...common(r, tenant, at, 64, 'AirInvestigation', 'AirInvestigationData', 'AirInvestigation', status),
        ObjectId: investigationId,
        InvestigationId: investigationId,
        InvestigationName: `Mail with malicious URL is zapped - ${user}`,
        InvestigationType: 'AutomatedInvestigation',
        Status: r.pick(['Running', 'Remediated', 'No threats found', 'Pending Action']),
        StartTimeUtc: at.toISOString(),
        LastUpdateTimeUtc: at.toISOString(),
        DeepLinkUrl: `https://security.microsoft.com/airinvestigation?investigationId=${encodeURIComponent(investigationId)}`,
        Actions: [],
        Data: JSON.stringify({
          Version: '3.0',
          VendorName: 'Microsoft',
          ProviderName: 'OATP',
          AlertType: 'ThreatManagement',
          Entities: [
            { $id: '1', Type: 'mailbox', MailboxPrimaryAddress: user, DisplayName: user.split('@')[0] },
            {
              $id: '2',
              Type: 'mailMessage',
              Recipient: user,
              Sender: sender,
              Subject: 'Action required: your mailbox is almost full',
              ReceivedDate: at.toISOString(),
            },
            { $id: '3', Type: 'url', Url: `http://${sender.split('@')[1] ?? 'example.com'}/owa/login.php` },
            { $id: '4', Type: 'ip', Address: r.pick(IPS) },
          ],
        }),
      };
    }
    case 3: {
      const op = r.pick(['SearchCustomTag', 'SearchAirBatch', 'SearchCreated', 'SearchStarted']);
      return {
        ...common(r, tenant, at, 18, 'SecurityComplianceCenter', op, user, status),
        ObjectId: `Search-${r.int(1000, 9999)}`,
        StartTime: creationTime(at),
        Parameters: `-Name "Phish sweep ${r.int(1, 99)}" -ContentMatchQuery "subject:'mailbox is almost full'"`,
      };
    }
    default: {
      const op = r.pick(['ViewReport', 'ExportReport', 'ViewDashboard']);
      return {
        ...common(r, tenant, at, 20, 'PowerBI', op, user, status),
        ObjectId: r.pick(['Quarterly Revenue', 'SOC KPIs', 'Headcount']),
        Activity: op,
        ItemName: r.pick(['Quarterly Revenue', 'SOC KPIs', 'Headcount']),
        WorkSpaceName: r.pick(['Finance', 'Security']),
        DatasetName: 'Main',
        IsSuccess: status === 'Succeeded',
      };
    }
  }
}

// ---------------------------------------------------------------- DLP.All

const SENSITIVE = [
  { name: 'Credit Card Number', id: '50842eb7-edc8-4019-85dd-5a5c1f2bb085', values: ['4111 1111 1111 1111', '5555 5555 5555 4444', '3782 822463 10005'] },
  { name: 'U.S. Social Security Number (SSN)', id: 'a44669fe-0d48-453d-a9b1-2cc83f2cba77', values: ['078-05-1120', '219-09-9999'] },
  {
    name: 'International Banking Account Number (IBAN)',
    id: 'e7dc4711-11b7-4cb0-b88b-2c394a771f0e',
    values: ['DE89 3704 0044 0532 0130 00', 'GB29 NWBK 6016 1331 9268 19'],
  },
  { name: 'U.S. Bank Account Number', id: 'a2ce32a8-f935-4bb6-8e96-2a5157672e2c', values: ['000123456789', '9876543210'] },
];
const POLICIES = [
  { name: 'U.S. Financial Data', id: '7a3b2b6c-1c4d-4a2e-9c0a-3f0e5b1d2c01', rule: 'Low volume of content detected U.S. Financial' },
  { name: 'GDPR Enhanced', id: '7a3b2b6c-1c4d-4a2e-9c0a-3f0e5b1d2c02', rule: 'High volume of EU personal data' },
  { name: 'PCI Credit Card Policy', id: '7a3b2b6c-1c4d-4a2e-9c0a-3f0e5b1d2c03', rule: 'Credit card numbers shared externally' },
];

function dlp(r: Prng, tenant: Tenant, at: Date, users: string[]): Event {
  const user = r.pick(users);
  const op = r.next() < 0.8 ? 'DlpRuleMatch' : r.pick(['DlpRuleUndo', 'DlpInfo']);
  const policy = r.pick(POLICIES);
  const sit = r.pick(SENSITIVE);
  const exchange = r.next() < 0.5;
  const workload = exchange ? 'Exchange' : r.pick(['SharePoint', 'OneDrive']);
  const recordType = exchange ? 13 : 11;
  const detected = sit.values.slice(0, r.int(1, sit.values.length)).map((v) => ({ Name: sit.name, Value: v }));
  const incidentId = r.guid();
  const uniqueId = r.guid();
  const objectId = exchange
    ? `<${r.guid().replace(/-/g, '').slice(0, 20).toUpperCase()}@${tenant.domains[0] ?? tenant.id}>`
    : `https://${tenant.id}.sharepoint.com/sites/finance/Shared Documents/${r.pick(['payroll.xlsx', 'customers.csv', 'q3-invoices.docx'])}`;
  const rule: Event = {
    ActionParameters: [],
    Actions: op === 'DlpRuleMatch' ? r.pick([['NotifyUser'], ['NotifyUser', 'BlockAccess'], ['GenerateIncidentReport']]) : [],
    ManagementRuleId: r.guid(),
    RuleId: r.guid(),
    RuleMode: 'Enable',
    RuleName: policy.rule,
    Severity: r.pick(['Low', 'Medium', 'High']),
    OverriddenActions: [],
  };
  if (op !== 'DlpRuleUndo') {
    rule.ConditionsMatched = {
      ConditionMatchedInNewScheme: true,
      OtherConditions: exchange ? [{ Name: 'SentToScope', Value: 'NotInOrganization' }] : [{ Name: 'AccessScope', Value: 'NotInOrganization' }],
      SensitiveInformation: [
        {
          ClassifierType: 'Content',
          Confidence: r.pick([75, 85, 95]),
          Count: detected.length,
          Location: null,
          SensitiveInformationDetections: { DetectedValues: detected, ResultsTruncated: false },
          SensitiveInformationDetailedClassificationAttributes: [{ Confidence: 85, Count: detected.length, IsMatch: true }],
          SensitiveInformationTypeName: sit.name,
          SensitiveType: sit.id,
          UniqueCount: detected.length,
        },
      ],
    };
  }
  const e: Event = {
    ...common(r, tenant, at, recordType, workload, op, user),
    ObjectId: objectId,
    IncidentId: incidentId,
    PolicyDetails: [{ PolicyId: policy.id, PolicyName: policy.name, Rules: [rule] }],
    SensitiveInfoDetectionIsIncluded: op !== 'DlpRuleUndo',
  };
  if (exchange) {
    e.ExchangeMetaData = {
      BCC: [],
      CC: [],
      FileSize: r.int(8000, 250000),
      From: user,
      MessageID: objectId,
      RecipientCount: 1,
      Sent: at.toISOString(),
      Subject: r.pick(['Payment details', 'Customer list', 'Wire transfer info', 'Payroll March']),
      To: [r.pick(EXTERNAL)],
      UniqueID: uniqueId,
    };
  } else {
    const fileName = objectId.split('/').pop() ?? 'file';
    e.SharePointMetaData = {
      From: user,
      itemCreationTime: at.toISOString(),
      FilePathUrl: objectId,
      FileName: fileName,
      FileOwner: user,
      SiteCollectionGuid: r.guid(),
      SiteCollectionUrl: `https://${tenant.id}.sharepoint.com/sites/finance`,
      UniqueID: uniqueId,
      IsViewableByExternalUsers: r.next() < 0.5,
      SensitivityLabelIds: [],
    };
  }
  if (op === 'DlpInfo') e.ExceptionInfo = { Reason: 'False positive', Justification: 'Test data, not real card numbers', Rules: [rule.RuleId] };
  return e;
}

// ---------------------------------------------------------------- the other content types

function exchange(r: Prng, tenant: Tenant, at: Date, users: string[]): Event {
  const user = r.pick(users);
  const op = r.pick(['MailItemsAccessed', 'Send', 'MoveToDeletedItems', 'New-InboxRule', 'UpdateInboxRules']);
  const admin = op.includes('InboxRule');
  return {
    ...common(r, tenant, at, admin ? 1 : 50, 'Exchange', op, user, 'Succeeded'),
    ObjectId: admin ? `${user}\\Forward to external` : `${user}/Inbox`,
    MailboxOwnerUPN: user,
    LogonType: 0,
    ExternalAccess: false,
    ...(admin
      ? {
          Parameters: [
            { Name: 'ForwardTo', Value: r.pick(EXTERNAL) },
            { Name: 'Name', Value: 'Forward to external' },
          ],
        }
      : {}),
  };
}

function sharePoint(r: Prng, tenant: Tenant, at: Date, users: string[]): Event {
  const user = r.pick(users);
  const op = r.pick(['FileAccessed', 'FileDownloaded', 'FileModified', 'SharingSet', 'AnonymousLinkCreated']);
  const file = r.pick(['payroll.xlsx', 'roadmap.pptx', 'customers.csv']);
  return {
    ...common(r, tenant, at, op.startsWith('File') ? 6 : 14, 'SharePoint', op, user),
    ObjectId: `https://${tenant.id}.sharepoint.com/sites/finance/Shared Documents/${file}`,
    SiteUrl: `https://${tenant.id}.sharepoint.com/sites/finance/`,
    SourceFileName: file,
    SourceRelativeUrl: 'Shared Documents',
    ItemType: 'File',
    EventSource: 'SharePoint',
    UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  };
}

function azureAd(r: Prng, tenant: Tenant, at: Date, users: string[]): Event {
  const user = r.pick(users);
  const failed = r.next() < 0.25;
  return {
    ...common(r, tenant, at, 15, 'AzureActiveDirectory', failed ? 'UserLoginFailed' : 'UserLoggedIn', user, failed ? 'Failed' : 'Success'),
    ObjectId: '00000003-0000-0ff1-ce00-000000000000',
    AzureActiveDirectoryEventType: 1,
    ApplicationId: '00000003-0000-0ff1-ce00-000000000000',
    LogonError: failed ? 'InvalidUserNameOrPassword' : undefined,
    ExtendedProperties: [
      { Name: 'ResultStatusDetail', Value: failed ? 'Invalid credentials' : 'Success' },
      { Name: 'UserAgent', Value: 'Mozilla/5.0' },
    ],
  };
}

const GENERATORS: Record<ContentType, (r: Prng, tenant: Tenant, at: Date, users: string[]) => Event> = {
  'Audit.General': auditGeneral,
  'DLP.All': dlp,
  'Audit.Exchange': exchange,
  'Audit.SharePoint': sharePoint,
  'Audit.AzureActiveDirectory': azureAd,
};

/** The deterministic content id of a generated blob. */
function contentIdFor(contentType: ContentType, slot: number): string {
  const stamp = new Date(slot)
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  return `${stamp}000$${stamp}000$${contentType.toLowerCase().replace('.', '_')}$${contentType.replace('.', '_')}$emu01`;
}

/** Generates the blobs due for a tenant up to `now` (no-op unless settings.generateAuditContent). */
export function ensureContent(state: EmulatorState, tenant: Tenant, now: number = Date.now()): void {
  if (!state.settings.generateAuditContent) return;
  const from = state.contentGeneratedUntil.get(tenant.id) ?? now - 7 * DAY_MS;
  if (now <= from) return;
  const users = usersOf(state, tenant.id);
  for (const ct of CONTENT_TYPES) {
    const step = Math.max(1, state.settings.contentIntervalMinutes[ct]) * 60000;
    for (let slot = Math.floor(from / step) * step + step; slot <= now; slot += step) {
      const r = new Prng(seedFrom(`${tenant.id}|${ct}|${slot}`));
      const count = r.int(1, 4);
      const events: Event[] = [];
      for (let i = 0; i < count; i++) {
        const at = new Date(slot - r.int(30, step / 1000 - 1) * 1000);
        const e = GENERATORS[ct](r, tenant, at, users);
        for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
        events.push(e);
      }
      events.sort((a, b) => String(a.CreationTime).localeCompare(String(b.CreationTime)));
      const blob: ContentBlob = {
        tenantId: tenant.id,
        contentType: ct,
        contentId: contentIdFor(ct, slot),
        contentCreated: new Date(slot).toISOString(),
        contentExpiration: new Date(slot + 7 * DAY_MS).toISOString(),
        events,
      };
      state.content.set(blob.contentId, blob);
    }
  }
  state.contentGeneratedUntil.set(tenant.id, now);
}

import { type ActionSpec } from '../../kit/spec';

/** Seed: Get Mailbox Account Out Of Facility Settings (beta Graph API; runs on User entities, `--user a@x.com,b@x.com`). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'get-mailbox-account-out-of-facility-settings',
  name: 'Get Mailbox Account Out Of Facility Settings',
  description: 'Retrieve the mailbox account out of facility (OOF) settings for the User entities provided.',
  entity: 'user',
  params: [],
  messages: {
    success: [
      'Successfully returned OOF settings for ENTITY_ID.',
      'Failed to find the following usernames in Office 365 service: USERNAME_LIST.',
    ],
    failure: [
      // DECISIONS 2: the seed names "Add Identity Protection Detection Comment" here (a typo).
      'Error executing action "Get Mailbox Account Out Of Facility Settings". Reason: ERROR_REASON',
      "Action wasn't able to find OOF settings for ENTITY_ID.",
    ],
  },
  // DECISIONS 14: with several users, a JSON list, one object per user in the seed's shape.
  jsonResult: true,
};

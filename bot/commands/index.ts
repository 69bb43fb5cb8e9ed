/** The command grammar of contract.md §4: tokenizer, parser, durations and help. */
export type {
  ActionCommand,
  ActionOptions,
  AdminCommand,
  BuiltinCommand,
  CancelCommand,
  CommandError,
  HelpCommand,
  JobsCommand,
  ParseOptions,
  ParsedCommand,
  VoteCommand,
} from './parsed-command';
export { MAX_COMMAND_LENGTH, parseCommand } from './parse';
export { missingMessage } from './action-args';
export { BUILTIN_COMMANDS, DEFAULT_VOTE_OPTIONS, DEFAULT_VOTE_TIMEOUT_MS, RESERVED_WORDS } from './builtins';
export { findAction, findIntegration, findParam } from './catalog-lookup';
export { checkCatalog } from './check-catalog';
export { formatCommand, formatParam } from './format-command';
export { GLOBAL_OPTION_NAMES, MAX_TIMEOUT_MS } from './global-options';
export { type RawValue, convertValue, typedDefault } from './param-values';
export {
  type ChatPlatform,
  type Token,
  type TokenOption,
  type TokenizeResult,
  clip,
  decodeEntities,
  normalizeChatText,
  quoteArg,
  stripLeadingMention,
  tokenize,
} from './tokenize';
export { formatDuration, parseDuration } from '../../lib/duration';
export { editDistance, suggest } from '../../lib/suggest';
export {
  type HelpDoc,
  actionHelp,
  exampleArg,
  exampleValue,
  helpFor,
  helpForCommand,
  helpText,
  integrationHelp,
  topLevelHelp,
} from './help';

/**
 * The shape of Core's dynamic settings (aidial.config.json) as Jackson binds it
 * (docs/dial-core.md#config-shape): unknown keys at the top level are ignored, but an
 * unknown key inside a model, application, key, role, limit, upstream, route or features object fails the
 * whole load. Numbers may be written as strings (Jackson's scalar coercion). Aliases are Core's.
 */
import { z } from 'zod';

const long = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const strings = z.array(z.string());

/** The same field under Core's camelCase name and its snake_case alias. */
const aliased = <T extends z.ZodType>(camel: string, snake: string, type: T) => ({ [camel]: type.optional(), [snake]: type.optional() });

const features = z.strictObject({
  ...aliased('rateEndpoint', 'rate_endpoint', z.string()),
  ...aliased('tokenizeEndpoint', 'tokenize_endpoint', z.string()),
  ...aliased('truncatePromptEndpoint', 'truncate_prompt_endpoint', z.string()),
  ...aliased('configurationEndpoint', 'configuration_endpoint', z.string()),
  ...aliased('systemPromptSupported', 'system_prompt_supported', bool),
  ...aliased('toolsSupported', 'tools_supported', bool),
  ...aliased('seedSupported', 'seed_supported', bool),
  ...aliased('urlAttachmentsSupported', 'url_attachments_supported', bool),
  ...aliased('folderAttachmentsSupported', 'folder_attachments_supported', bool),
  ...aliased('allowResume', 'allow_resume', bool),
  ...aliased('accessibleByPerRequestKey', 'accessible_by_per_request_key', bool),
  ...aliased('contentPartsSupported', 'content_parts_supported', bool),
  ...aliased('temperatureSupported', 'temperature_supported', bool),
  ...aliased('addonsSupported', 'addons_supported', bool),
});

const upstream = z.strictObject({
  endpoint: z.string(),
  key: z.string().optional(),
  extraData: z.unknown().optional(),
  weight: long.optional(),
  tier: long.optional(),
});

export const limitSchema = z.strictObject({
  minute: long.optional(),
  day: long.optional(),
  week: long.optional(),
  month: long.optional(),
  requestHour: long.optional(),
  requestDay: long.optional(),
});

const deploymentFields = {
  endpoint: z.string().optional(),
  ...aliased('displayName', 'display_name', z.string()),
  ...aliased('displayVersion', 'display_version', z.string()),
  ...aliased('iconUrl', 'icon_url', z.string()),
  description: z.string().optional(),
  reference: z.string().optional(),
  ...aliased('userRoles', 'user_roles', strings),
  ...aliased('forwardAuthToken', 'forward_auth_token', bool),
  features: features.optional(),
  ...aliased('inputAttachmentTypes', 'input_attachment_types', strings),
  ...aliased('maxInputAttachments', 'max_input_attachments', long),
  defaults: z.record(z.string(), z.unknown()).optional(),
  interceptors: strings.optional(),
  ...aliased('descriptionKeywords', 'description_keywords', strings),
  ...aliased('maxRetryAttempts', 'max_retry_attempts', long),
  author: z.string().optional(),
  owner: z.string().optional(),
  ...aliased('createdAt', 'created_at', long),
  ...aliased('updatedAt', 'updated_at', long),
};

const model = z.strictObject({
  ...deploymentFields,
  type: z.string().regex(/^(chat|completion|embedding)$/i, 'type must be chat, completion or embedding'),
  ...aliased('tokenizerModel', 'tokenizer_model', z.string()),
  limits: z.strictObject({ maxTotalTokens: long.optional(), maxPromptTokens: long.optional(), maxCompletionTokens: long.optional() }).optional(),
  pricing: z.strictObject({ unit: z.string().optional(), prompt: z.union([z.string(), z.number()]).optional(), completion: z.union([z.string(), z.number()]).optional() }).optional(),
  upstreams: z.array(upstream).optional(),
  ...aliased('overrideName', 'override_name', z.string()),
});

const application = z.strictObject({
  ...deploymentFields,
  function: z.record(z.string(), z.unknown()).optional(),
  ...aliased('applicationTypeSchemaId', 'application_type_schema_id', z.string()),
  ...aliased('applicationProperties', 'application_properties', z.record(z.string(), z.unknown())),
});

const key = z.strictObject({
  project: z.string().min(1, 'project is required'),
  role: z.string().optional(),
  roles: strings.optional(),
  secured: bool.optional(),
});

const role = z.strictObject({
  limits: z.record(z.string(), limitSchema).optional(),
  costLimit: z.strictObject({ minute: z.union([z.number(), z.string()]).optional(), day: z.union([z.number(), z.string()]).optional(), week: z.union([z.number(), z.string()]).optional(), month: z.union([z.number(), z.string()]).optional() }).optional(),
  share: z.record(z.string(), z.unknown()).optional(),
});

const route = z.strictObject({
  paths: strings.optional(),
  methods: strings.optional(),
  upstreams: z.array(upstream).optional(),
  response: z.strictObject({ status: long.optional(), body: z.string().optional() }).optional(),
  rewritePath: bool.optional(),
  ...aliased('userRoles', 'user_roles', strings),
  ...aliased('maxRetryAttempts', 'max_retry_attempts', long),
  order: long.optional(),
});

/** The root: known sections are checked, anything else at this level is ignored, as Core's Config does. */
export const dynamicConfigSchema = z.looseObject({
  models: z.record(z.string(), model).optional(),
  applications: z.record(z.string(), application).optional(),
  keys: z.record(z.string(), key).optional(),
  roles: z.record(z.string(), role).optional(),
  routes: z.record(z.string(), route).optional(),
  interceptors: z.record(z.string(), z.strictObject({ endpoint: z.string().optional(), ...aliased('forwardAuthToken', 'forward_auth_token', bool) })).optional(),
  retriableErrorCodes: z.array(long).optional(),
});

export type ModelEntry = z.infer<typeof model>;
export type ApplicationEntry = z.infer<typeof application>;
export type LimitEntry = z.infer<typeof limitSchema>;
export type UpstreamEntry = z.infer<typeof upstream>;
export type RouteEntry = z.infer<typeof route>;
export type RoleEntry = z.infer<typeof role>;

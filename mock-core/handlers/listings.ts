/**
 * GET /openai/models, /openai/deployments, /openai/applications (and `/{id}`): what the caller may use,
 * shaped as Core's ModelData/ApplicationData (docs/dial-core.md#listings).
 */
import { hasAccess } from '../access.ts';
import { aliasOf, type Deployment } from '../config.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { sendJson, sendText } from '../http.ts';

/** Core's placeholders when the config names no owner or dates. */
const OWNER = 'organization-owner';
const CREATED = 1_672_534_800;

export function listModels({ res, caller, core }: CoreExchange): void {
  sendJson(res, 200, listOf([...core.config().models.values()].filter((m) => hasAccess(m.userRoles, caller.roles))));
}

export function getModel({ res, params, caller, core }: CoreExchange): void {
  const model = core.config().models.get(params.id!);
  // Core answers these two with empty bodies.
  if (!model) return sendText(res, 404);
  if (!hasAccess(model.userRoles, caller.roles)) return sendText(res, 403);
  sendJson(res, 200, describe(model));
}

export function listApplications({ res, caller, core }: CoreExchange): void {
  sendJson(res, 200, listOf([...core.config().applications.values()].filter((a) => hasAccess(a.userRoles, caller.roles))));
}

export function getApplication({ res, params, caller, core }: CoreExchange): void {
  const { applications, models } = core.config();
  const application = applications.get(params.id!);
  if (!application) throw new DialError(404, models.has(params.id!) ? `Application is not found: ${params.id}` : `Unknown application: ${params.id}`);
  if (!hasAccess(application.userRoles, caller.roles)) throw new DialError(403, `Forbidden deployment: ${params.id}`);
  sendJson(res, 200, describe(application));
}

/** Addons and assistants left Core's config in 0.38; Chat takes an empty list. */
export function emptyList({ res }: CoreExchange): void {
  sendJson(res, 200, { data: [], object: 'list' });
}

function listOf(deployments: Deployment[]) {
  return { data: deployments.map(describe), object: 'list' };
}

function describe(deployment: Deployment): Record<string, unknown> {
  const e = deployment.entry as Record<string, unknown>;
  const pick = (camel: string) => aliasOf(e, camel);
  const model = deployment.kind === 'model';
  const entry: Record<string, unknown> = {
    id: deployment.name,
    model: model ? deployment.name : undefined,
    application: model ? undefined : deployment.name,
    display_name: pick('displayName'),
    display_version: pick('displayVersion'),
    icon_url: pick('iconUrl'),
    description: e.description,
    reference: e.reference ?? deployment.name,
    // Core's listing names the config's `author` as the owner (ModelController.createModel).
    owner: e.author ?? OWNER,
    object: model ? 'model' : 'application',
    status: 'succeeded',
    created_at: pick('createdAt') ?? CREATED,
    updated_at: pick('updatedAt') ?? CREATED,
    features: features(deployment),
    defaults: e.defaults ?? {},
    description_keywords: pick('descriptionKeywords') ?? [],
    max_retry_attempts: deployment.maxRetryAttempts,
    input_attachment_types: pick('inputAttachmentTypes'),
    max_input_attachments: pick('maxInputAttachments'),
    ...(model
      ? {
          lifecycle_status: 'generally-available',
          capabilities: {
            scale_types: ['standard'],
            completion: deployment.type === 'completion',
            chat_completion: deployment.type === 'chat',
            embeddings: deployment.type === 'embedding',
            fine_tune: false,
            inference: false,
          },
          tokenizer_model: pick('tokenizerModel'),
          limits: tokenLimits(e.limits as Record<string, unknown> | undefined),
          pricing: e.pricing,
        }
      : {}),
  };
  // Core's Jackson mapper leaves out nulls (NON_NULL).
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined && v !== null));
}

/** TokenLimitsData is snake_case on the wire. */
function tokenLimits(limits: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return limits && { max_total_tokens: limits.maxTotalTokens, max_prompt_tokens: limits.maxPromptTokens, max_completion_tokens: limits.maxCompletionTokens };
}

function features(deployment: Deployment): Record<string, boolean> {
  const f = deployment.entry.features ?? {};
  const flag = (camel: string, fallback = false) => Boolean(aliasOf(f, camel) ?? fallback);
  return {
    rate: flag('rateEndpoint'),
    tokenize: flag('tokenizeEndpoint'),
    truncate_prompt: flag('truncatePromptEndpoint'),
    configuration: flag('configurationEndpoint'),
    system_prompt: flag('systemPromptSupported', true),
    tools: flag('toolsSupported'),
    seed: flag('seedSupported'),
    url_attachments: flag('urlAttachmentsSupported'),
    folder_attachments: flag('folderAttachmentsSupported'),
    allow_resume: flag('allowResume', true),
    accessible_by_per_request_key: deployment.accessibleByPerRequestKey,
    // FeaturesData's last three, in its order and with its defaults (measured on Core 0.25 built from source).
    content_parts: flag('contentPartsSupported'),
    temperature: flag('temperatureSupported', true),
    addons: flag('addonsSupported', true),
  };
}

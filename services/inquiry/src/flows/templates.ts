import { isUuid } from '@attestor/contracts';
import type { Clock } from '@attestor/platform';
import { checkTemplate, type TemplateInput } from '../domain/template.js';
import type { Template } from '../store/entities.js';
import { newId } from '../store/ids.js';
import type { TemplateStore } from '../store/templates.js';

/** Inquiry templates: immutable once created, so inquiries read their steps and rules from them. */
export class Templates {
  constructor(
    private readonly store: TemplateStore,
    private readonly clock: Clock,
  ) {}

  async create(accountId: string, input: TemplateInput): Promise<Template> {
    const spec = checkTemplate(input);
    const template: Template = { id: newId(), accountId, ...spec, createdAt: this.clock.now() };
    await this.store.insert(this.store.reader, template);
    return template;
  }

  list(accountId: string): Promise<Template[]> {
    return this.store.list(this.store.reader, accountId);
  }

  byIds(accountId: string, ids: readonly string[]): Promise<Template[]> {
    return this.store.byIds(this.store.reader, accountId, ids.filter(isUuid));
  }
}

import { In, type DataSource } from 'typeorm';
import { isUuid } from '@attestor/contracts';
import { checkTemplate, type TemplateInput } from './domain/template.js';
import { TemplateEntity, type Template } from './store/entities.js';
import { newId } from './store/ids.js';
import type { Clock } from './clock.js';

/** Inquiry templates: immutable once created, so inquiries read their steps and rule from them. */
export class Templates {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async create(accountId: string, input: TemplateInput): Promise<Template> {
    const spec = checkTemplate(input);
    const template: Template = { id: newId(), accountId, ...spec, createdAt: this.clock.now() };
    await this.dataSource.getRepository(TemplateEntity).insert(template);
    return template;
  }

  list(accountId: string): Promise<Template[]> {
    return this.dataSource
      .getRepository(TemplateEntity)
      .find({ where: { accountId }, order: { id: 'DESC' } });
  }

  byIds(accountId: string, ids: readonly string[]): Promise<Template[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(TemplateEntity).findBy({ accountId, id: In(valid) });
  }
}

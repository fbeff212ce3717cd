import { In, type EntityManager } from 'typeorm';
import { RecentMap, Store } from '@attestor/platform';
import { TemplateEntity, type Template } from './entities.js';

/** Templates this instance keeps after reading them once (every step of every inquiry reads one). */
const KEPT_TEMPLATES = 10_000;

/** Inquiry templates: immutable once created. */
export class TemplateStore extends Store {
  private readonly kept = new RecentMap<string, Template>(KEPT_TEMPLATES);

  async insert(db: EntityManager, template: Template): Promise<void> {
    await db.getRepository(TemplateEntity).insert(template);
  }

  async list(db: EntityManager, accountId: string): Promise<Template[]> {
    return db.getRepository(TemplateEntity).find({ where: { accountId }, order: { id: 'DESC' } });
  }

  async byIds(db: EntityManager, accountId: string, ids: readonly string[]): Promise<Template[]> {
    if (ids.length === 0) return [];
    return db.getRepository(TemplateEntity).findBy({ accountId, id: In([...ids]) });
  }

  /** The account's template, or null (another account's, or none); from the kept copies when read before. */
  async ofAccount(db: EntityManager, accountId: string, id: string): Promise<Template | null> {
    const kept = this.kept.get(id);
    if (kept) return kept.accountId === accountId ? kept : null;
    const template = await db.getRepository(TemplateEntity).findOneBy({ id, accountId });
    if (template) this.kept.set(id, template);
    return template;
  }

  /**
   * The template of an inquiry (which exists: inquiries reference their template). A template never
   * changes, so a copy read once answers from then on, inside a transaction too.
   */
  async ofInquiry(db: EntityManager, templateId: string): Promise<Template> {
    const kept = this.kept.get(templateId);
    if (kept) return kept;
    const template = await db.getRepository(TemplateEntity).findOneByOrFail({ id: templateId });
    this.kept.set(templateId, template);
    return template;
  }
}

import type { MessageKey } from './nl';

export const en: Partial<Record<MessageKey, string>> = {};

import type { MessageKey } from './nl';

export const ar: Partial<Record<MessageKey, string>> = {};

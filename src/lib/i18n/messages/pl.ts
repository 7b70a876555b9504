import type { MessageKey } from './nl';

export const pl: Partial<Record<MessageKey, string>> = {};

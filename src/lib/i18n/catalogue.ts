import type { Locale } from './locales';
import type { PluralForms } from './plural-forms';
import type { nl } from './messages/nl';

/*
 * The Dutch catalogue is the source of every type here: its keys are the message keys, the
 * `{name}` placeholders in its sentences are the parameters `t` demands, and its `error.*` keys
 * are the codes a KringError may carry. Only types: no catalogue is bundled through this module.
 */

export type { PluralCategory, PluralForms } from './plural-forms';

type Dutch = typeof nl;
export type MessageKey = keyof Dutch;

/** What the catalogue of language L holds: every Dutch key; a counted Dutch message has L's plural forms. */
export type Translation<L extends Locale> = {
	readonly [K in MessageKey]: Dutch[K] extends string ? string : PluralForms<L>;
};

/** One language's catalogue, as the browser receives it. */
export type Catalogue = {
	readonly [K in MessageKey]: string | { readonly [C in Intl.LDMLPluralRule]?: string };
};

type PlaceholdersIn<S> = S extends `${string}{${infer Name}}${infer Rest}` ? Name | PlaceholdersIn<Rest> : never;

/** A counted message always takes `count`, which picks its form, even where a form leaves the number out. */
type Placeholders<M> = M extends string ? PlaceholdersIn<M> : 'count' | PlaceholdersIn<M[keyof M]>;

export type Params<K extends MessageKey> = {
	[P in Placeholders<Dutch[K]>]: P extends 'count' ? number : string | number;
};

/**
 * No parameters for a message without placeholders, else exactly its placeholders. A key that may
 * be one of several messages (`phase.${phase}`) takes parameters that fit one of them.
 */
type ParamsArgument<K extends MessageKey> = K extends MessageKey
	? [Placeholders<Dutch[K]>] extends [never]
		? []
		: [params: Params<K>]
	: never;

export type Translate = <K extends MessageKey>(key: K, ...params: ParamsArgument<K>) => string;

/** The code of an error a user can meet: its text is `error.<code>`; the error page's own labels are no codes. */
export type ErrorCode = Exclude<CodeOf<MessageKey>, 'title' | 'home'>;
type CodeOf<K> = K extends `error.${infer Code}` ? Code : never;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Forms that name the number in words ("two agreements" is one Arabic word) may leave `{count}` out. */
type FormFits<Category, Form, DutchMessage> = Category extends 'zero' | 'one' | 'two'
	? Same<Exclude<PlaceholdersIn<Form>, 'count'>, Exclude<Placeholders<DutchMessage>, 'count'>>
	: Same<PlaceholdersIn<Form>, Placeholders<DutchMessage>>;

type Fits<M, DutchMessage> = M extends string
	? Same<PlaceholdersIn<M>, Placeholders<DutchMessage>>
	: false extends { [C in keyof M]: FormFits<C, M[C], DutchMessage> }[keyof M]
		? false
		: true;

/** The keys whose translation has other placeholders than the Dutch message; `never` when all fit. */
export type Misfits<C extends Record<MessageKey, unknown>> = {
	[K in MessageKey]: Fits<C[K], Dutch[K]> extends true ? never : K;
}[MessageKey];

import { Editor } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import StarterKit from '@tiptap/starter-kit';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

/**
 * The one Tiptap set-up of Kring: a small rich-text editor (paragraphs, bold, italic, lists)
 * bound to a Y.XmlFragment, with the carets of the others who type in it.
 */
export function createEditor(options: {
	element: HTMLElement;
	fragment: Y.XmlFragment;
	awareness: Awareness;
	editable: boolean;
	label: string;
}): Editor {
	return new Editor({
		element: options.element,
		editable: options.editable,
		extensions: [
			StarterKit.configure({
				// Yjs keeps the history; Tiptap's own undo would fight it.
				undoRedo: false,
				heading: { levels: [3] },
				code: false,
				codeBlock: false,
				horizontalRule: false,
				link: false
			}),
			Collaboration.configure({ fragment: options.fragment }),
			// The provider-like object is all the caret needs: the server sets name and colour.
			CollaborationCaret.configure({
				provider: { awareness: options.awareness },
				render: (user: Record<string, string>) => {
					const caret = document.createElement('span');
					caret.classList.add('collaboration-carets__caret');
					caret.style.setProperty('border-color', user.color ?? '#555');
					const label = document.createElement('span');
					label.classList.add('collaboration-carets__label');
					label.style.setProperty('background-color', user.color ?? '#555');
					label.textContent = user.name ?? '';
					caret.append(label);
					return caret;
				}
			})
		],
		editorProps: {
			attributes: { 'aria-label': options.label, role: 'textbox', 'aria-multiline': 'true', class: 'rich-text' }
		}
	});
}

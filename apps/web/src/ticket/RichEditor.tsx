import Image from '@tiptap/extension-image';
import { EditorContent, useEditor, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useRef } from 'react';

// The formatted-text editor of the composer and the new-ticket form (TipTap on ProseMirror). It
// produces HTML with what the server's allowlist keeps anyway: paragraphs, bold, italic, lists,
// links, quotes and images uploaded by the agent. The server sanitises it again before sending.

/** The editor's text as the plain-text alternative would show it (paragraphs apart by a blank line). */
export function editorText(editor: Editor): string {
  return editor.getText({ blockSeparator: '\n\n' }).trim();
}

export function RichEditor(props: {
  id: string;
  label: string;
  html: string;
  onChange: (html: string, text: string) => void;
  onSubmit?: () => void;
  onReady?: (editor: Editor | null) => void;
  onImage?: (file: File) => Promise<{ src: string; alt: string } | null>;
}) {
  const { id, label, html, onChange, onSubmit, onReady, onImage } = props;
  // The latest callbacks, so the editor (created once) never calls stale ones.
  const latest = useRef({ onChange, onSubmit });
  latest.current = { onChange, onSubmit };
  const imageInput = useRef<HTMLInputElement>(null);
  // What the editor itself last reported, so a render that still carries an older `html` (typing
  // faster than React re-renders) is not taken for content set from outside.
  const emitted = useRef(html);
  const editor = useEditor({
    extensions: [
      StarterKit.configure({
        heading: false,
        codeBlock: false,
        horizontalRule: false,
        link: { openOnClick: false, autolink: true, protocols: ['mailto'] },
      }),
      Image.configure({ inline: false }),
    ],
    content: html,
    shouldRerenderOnTransaction: true,
    editorProps: {
      attributes: {
        id,
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': label,
        class: 'rich-input',
      },
      handleKeyDown: (_view, event) => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          latest.current.onSubmit?.();
          return true;
        }
        if (event.key === 'Escape') {
          (event.target as HTMLElement).blur();
          return true;
        }
        return false;
      },
    },
    onUpdate: ({ editor: e }) => {
      const next = e.isEmpty ? '' : e.getHTML();
      emitted.current = next;
      latest.current.onChange(next, editorText(e));
    },
  });

  useEffect(() => {
    onReady?.(editor);
    return () => onReady?.(null);
  }, [editor, onReady]);

  // The label changes with the mode (reply / note); the element stays.
  useEffect(() => {
    editor?.view.dom.setAttribute('aria-label', label);
  }, [editor, label]);

  // Content set from outside (a loaded draft, a cleared composer) replaces what is shown.
  useEffect(() => {
    if (!editor || html === emitted.current) return;
    emitted.current = html;
    const current = editor.isEmpty ? '' : editor.getHTML();
    if (current !== html) editor.commands.setContent(html, { emitUpdate: false });
  }, [editor, html]);

  if (!editor) return null;
  const button = (name: string, text: string, active: boolean, run: () => void) => (
    <button
      type="button"
      aria-label={name}
      title={name}
      aria-pressed={active}
      onMouseDown={(e) => e.preventDefault()}
      onClick={run}
    >
      {text}
    </button>
  );
  const chain = () => editor.chain().focus();
  return (
    <div className="rich-editor">
      <div role="toolbar" aria-label="Formatting" className="rich-toolbar">
        {button('Bold', 'B', editor.isActive('bold'), () => chain().toggleBold().run())}
        {button('Italic', 'I', editor.isActive('italic'), () => chain().toggleItalic().run())}
        {button('Bulleted list', '•', editor.isActive('bulletList'), () => chain().toggleBulletList().run())}
        {button('1. Numbered list', '1.', editor.isActive('orderedList'), () => chain().toggleOrderedList().run())}
        {button('Quote', '❝', editor.isActive('blockquote'), () => chain().toggleBlockquote().run())}
        {button('Link', 'Link', editor.isActive('link'), () => {
          const previous = (editor.getAttributes('link').href as string | undefined) ?? 'https://';
          const href = window.prompt('Link address (empty removes the link)', previous);
          if (href === null) return;
          if (href.trim() === '' || href.trim() === 'https://') chain().extendMarkRange('link').unsetLink().run();
          else chain().extendMarkRange('link').setLink({ href: href.trim() }).run();
        })}
        {onImage && (
          <>
            {button('Insert image', 'Image', false, () => imageInput.current?.click())}
            <input
              ref={imageInput}
              type="file"
              accept="image/png,image/jpeg,image/gif,image/webp"
              hidden
              aria-hidden="true"
              tabIndex={-1}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file)
                  void onImage(file).then((img) => {
                    if (img) chain().setImage(img).run();
                  });
              }}
            />
          </>
        )}
      </div>
      <EditorContent editor={editor} />
    </div>
  );
}

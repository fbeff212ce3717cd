import { useEffect, useRef, type ClipboardEvent, type KeyboardEvent } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { CODE_LENGTH, spreadDigits } from './flow.js';

/**
 * One box per digit. The first box offers `autocomplete="one-time-code"` (the phone's keyboard
 * suggests the code from the message); a whole code typed, pasted or autofilled into any box fills
 * them all; Backspace on an empty box goes back one; the arrow keys move between boxes.
 */
export function CodeInput({
  digits,
  onChange,
  disabled,
  invalid,
  describedBy,
  focusKey,
}: {
  digits: readonly string[];
  onChange(digits: string[]): void;
  disabled: boolean;
  invalid: boolean;
  describedBy?: string | undefined;
  /** Changing it puts the focus back in the first box (after a wrong code, or Clear). */
  focusKey: number;
}) {
  const { t } = useI18n();
  const boxes = useRef<Array<HTMLInputElement | null>>([]);
  const focusBox = (index: number) => {
    const box = boxes.current[index];
    box?.focus();
    box?.select();
  };
  useEffect(() => {
    focusBox(0);
  }, [focusKey]);

  const enter = (index: number, text: string) => {
    const next = spreadDigits(digits, index, text, CODE_LENGTH);
    onChange(next.digits);
    if (text.replace(/\D/g, '') !== '') focusBox(next.focus);
  };
  const onPaste = (index: number) => (event: ClipboardEvent<HTMLInputElement>) => {
    event.preventDefault();
    enter(index, event.clipboardData.getData('text'));
  };
  const onKeyDown = (index: number) => (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Backspace' && digits[index] === '' && index > 0) {
      event.preventDefault();
      const next = [...digits];
      next[index - 1] = '';
      onChange(next);
      focusBox(index - 1);
    } else if (event.key === 'ArrowLeft' && index > 0) {
      event.preventDefault();
      focusBox(index - 1);
    } else if (event.key === 'ArrowRight' && index < CODE_LENGTH - 1) {
      event.preventDefault();
      focusBox(index + 1);
    }
  };

  return (
    <div className="code-boxes">
      {Array.from({ length: CODE_LENGTH }, (_, index) => (
        <input
          key={index}
          ref={(element) => {
            boxes.current[index] = element;
          }}
          className="code-box"
          type="text"
          inputMode="numeric"
          pattern="[0-9]*"
          autoComplete={index === 0 ? 'one-time-code' : 'off'}
          aria-label={t('code.digit', { position: index + 1, length: CODE_LENGTH })}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          value={digits[index] ?? ''}
          disabled={disabled}
          onFocus={(event) => event.target.select()}
          onChange={(event) => enter(index, event.target.value)}
          onPaste={onPaste(index)}
          onKeyDown={onKeyDown(index)}
        />
      ))}
    </div>
  );
}

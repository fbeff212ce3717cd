import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  pickLanguage,
  translate,
  translatePlural,
  type Language,
  type MessageKey,
  type Vars,
} from './messages.js';

interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, vars?: Vars): string;
  tPlural(base: 'code.wrong', count: number, vars?: Vars): string;
}

const I18nContext = createContext<I18n | null>(null);
const STORAGE_KEY = 'attestor.language';

function initialLanguage(): Language {
  const chosen = window.sessionStorage.getItem(STORAGE_KEY);
  return pickLanguage(chosen ? [chosen] : navigator.languages);
}

/** The language of the page: the one chosen in this tab, else the browser's first that we speak. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    window.sessionStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      language,
      setLanguage,
      t: (key, vars) => translate(language, key, vars),
      tPlural: (base, count, vars) => translatePlural(language, base, count, vars),
    }),
    [language, setLanguage],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}

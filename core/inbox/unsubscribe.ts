/**
 * Unsubscribe requests (SPEC §11, §12): the `mailto:` of our `List-Unsubscribe`
 * (subject `unsubscribe <token>`), or a reply whose own words are only a request to
 * stop, in the eight languages.
 */

/** `unsubscribe <token>` (RFC 2369 mailto subject), the token as written. */
const SUBJECT = /^\s*(?:\[[^\]]*\]\s*)?unsubscribe(?:\s+(?<token>[A-Za-z0-9._~+/=-]{8,}))?\s*$/i;

/**
 * The token of a `List-Unsubscribe` mailto subject, `''` for a bare `unsubscribe`
 * subject, or null when the subject is not one.
 */
export function unsubscribeSubject(subject: string): string | null {
  const match = SUBJECT.exec(subject);
  if (!match) return null;
  return match.groups?.['token'] ?? '';
}

/** Polite words around a request that do not change it. */
const FILLER =
  /\b(?:please|pls|plz|kindly|just|hi|hello|hey|dear|thanks|thank you|thx|ok|okay|asap|now|immediately|right away|bitte|danke|hallo|guten tag|sofort|merci|svp|s'il vous plaît|s’il vous plaît|s'il vous plait|bonjour|por favor|gracias|hola|ya|alstublieft|aub|a\.u\.b\.|graag|dank u|dank je|bedankt|hoi|obrigad[oa]|olá|ola|per favore|grazie|ciao|salve|sir|madam|team|also|me too|now please|very much|much)\b/gi;

/** A whole request to stop, once filler is gone. */
const REQUEST = new RegExp(
  '^(?:' +
    [
      'unsubscribe(?: me)?(?: from (?:this|your|the|all)(?: \\w+){0,3})?',
      'remove(?: me| my (?:e-?mail|address|e-?mail address))?(?: from (?:this|your|the|all)(?: \\w+){0,3})?',
      'take me off(?: (?:this|your|the|all)(?: \\w+){0,3})?',
      'stop(?: (?:e-?mailing|emailing|sending|contacting|writing|messaging)(?: me)?(?: (?:e-?mails?|emails?|messages?|mail))?)?(?: to me)?',
      "(?:do not|don't|dont|never) (?:e-?mail|email|contact|write to|message|send)(?: me)?(?: (?:again|anymore|any more|e-?mails?))*",
      'no more (?:e-?mails?|emails?|messages?|mail)',
      'opt(?:-| )?out',
      'not interested(?: (?:and )?(?:unsubscribe|remove me|stop)(?: me)?)?',
      'abmelden',
      '(?:(?:ich möchte|bitte) )?(?:mich )?(?:abmelden|austragen|entfernen)',
      'vom newsletter abmelden',
      '(?:keine (?:weiteren )?(?:e-?mails|mails|nachrichten)(?: mehr)?)',
      'stoppen',
      '(?:me )?(?:désabonner|desabonner|désinscrire|desinscrire)',
      'désabonnement|desabonnement|désinscription|desinscription',
      // "Merci" is filler (removed first), so "Merci de me retirer" arrives here as "de me retirer".
      '(?:(?:merci )?de )?me (?:retirer|supprimer)(?: de (?:votre|la|vos) (?:liste|fichier|listes)(?: de diffusion)?)?',
      "(?:ne plus m'envoyer|ne m'envoyez plus)(?: d'e-?mails?| de (?:mails?|messages?))?",
      '(?:darme de baja|dar de baja|baja|cancelar (?:la )?suscripci[oó]n)',
      '(?:no me (?:env[ií]en|escriban|contacten) m[aá]s)(?: correos?| (?:e-?mails?|mensajes))?',
      '(?:eliminar(?:me)?|borrar(?:me)?|qu[ií]tenme)(?: de (?:su|la|esta) lista)?',
      'afmelden|uitschrijven|(?:ik wil )?(?:mij |me )?(?:afmelden|uitschrijven)',
      '(?:geen (?:e-?mails?|mails?|berichten) meer)',
      '(?:verwijder (?:mij|me)(?: van (?:uw|je|de) lijst)?)',
      'descadastrar|descadastre-me|descadastrar-me|cancelar (?:a )?inscri[cç][aã]o',
      '(?:remover|remova-me|me remova|me retire)(?: da (?:sua |lista))?',
      '(?:n[aã]o (?:me )?(?:envie|mande)m? mais)(?: e-?mails?| mensagens?)?',
      'cancellami|disiscrivimi|disiscrivermi|annulla (?:l.)?iscrizione|rimuovimi|cancellatemi|rimuovetemi',
      '(?:non (?:mi )?(?:inviate|mandate|scrivete) pi[uù])(?: e-?mail| email| messaggi)?',
      '配信停止(?:してください|をお願いします|を希望します)?',
      '配信を停止してください|配信を停止して下さい|メール配信停止',
      '今後(?:の)?(?:メール|連絡)は不要です',
    ].join('|') +
    ')$',
  'iu',
);

/**
 * Whether a reply's own words (quote and signature already removed) are only a
 * request to stop: "unsubscribe", "please remove me", "stop", "abmelden",
 * "désabonner", … A reply that says more ("stop by on Tuesday?") is a reply.
 */
export function isStopRequest(text: string): boolean {
  if (text.length > 300) return false;
  const words = text
    .toLowerCase()
    .replace(/[\u2019]/g, "'")
    .replace(FILLER, ' ')
    .replace(/[!?.,;:()"«»¡¿。、！？…–—]+|\s-+\s/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (words === '') return false;
  // One request, or two said together ("Not interested. Remove me.").
  const sentences = words.split(/\s+(?:and|und|et|y|en|e)\s+/);
  if (REQUEST.test(words)) return true;
  return sentences.length > 1 && sentences.every((s) => REQUEST.test(s.trim()));
}

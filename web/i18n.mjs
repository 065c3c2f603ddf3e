// SPDX-License-Identifier: AGPL-3.0-or-later
//
// i18n.mjs - every word the interface shows, in French and English.
//
// French first: a person who never chose sees French, or the meeting's own
// language when the meeting says so. A choice made with the language switch is
// kept in localStorage and wins from then on, on every page of this browser.
// t('key', {name}) looks the key up in the current table and fills {name}
// placeholders; tn() picks a plural form with Intl.PluralRules (keys end in
// .one / .other). A key missing from a table falls back to French, then to the
// key itself, so a gap shows up on screen instead of breaking the page; the
// unit tests check that both tables have the same keys.
//
// Dates and times are shown in Europe/Paris time, whatever the browser's own
// zone is: the meeting happens there, and everyone must read the same hour.

export const LANGS = ['fr', 'en'];
// Each language named in itself, the same on every page (for choosing one).
export const LANG_NAMES = { fr: 'Français', en: 'English' };
export const TIME_ZONE = 'Europe/Paris';
const STORE_KEY = 'concerto.lang';

const fr = {
    'app.name': 'Concerto',
    'skip': 'Aller au contenu principal',
    'lang.other': 'English',
    'lang.otherCode': 'en',

    'conn.label': 'Connexion\u00a0:',
    'conn.connecting': 'Connexion…',
    'conn.online': 'Connecté',
    'conn.offline': 'Hors ligne, reconnexion…',
    'conn.failed': 'Déconnecté',
    'announce.online': 'Connexion rétablie.',
    'announce.offline': 'Connexion perdue. Reconnexion en cours.',

    'state.scheduled': 'Séance programmée',
    'state.open': 'Séance ouverte',
    'state.suspended': 'Séance suspendue',
    'state.closed': 'Séance levée',
    'state.label': 'État',
    'announce.state.open': 'La séance est ouverte.',
    'announce.state.resumed': 'La séance reprend.',
    'announce.state.suspended': 'La séance est suspendue.',
    'announce.state.closed': 'La séance est levée.',
    'meeting.openedAt': 'Ouverte à {time}',
    'meeting.closedAt': 'Levée à {time}',
    'meeting.loading': 'Chargement de la séance…',

    'role.admin': 'Administration',
    'role.chair': 'Présidence',
    'role.secretary': 'Secrétariat',
    'role.member': 'Membre',
    'role.observer': 'Observateur',
    'college.bailleurs': 'Bailleurs',
    'college.locataires': 'Locataires',
    'you.label': 'Vous\u00a0:',
    'you.roleCollege': '{role}, {college}',

    'participants.title': 'Participants',
    'participants.summary.one': '{present} présent sur {total}',
    'participants.summary.other': '{present} présents sur {total}',
    'participants.college.one': '{present} présent sur {total}',
    'participants.college.other': '{present} présents sur {total}',
    'participants.required': '{required} requis',
    'participants.quorumMet.one': 'Quorum atteint\u00a0: {present} présent, {required} requis',
    'participants.quorumMet.other': 'Quorum atteint\u00a0: {present} présents, {required} requis',
    'participants.quorumNotMet.one': 'Quorum non atteint\u00a0: {present} présent, {required} requis',
    'participants.quorumNotMet.other': 'Quorum non atteint\u00a0: {present} présents, {required} requis',
    'participants.mark.present': 'présent en salle',
    'participants.mark.excused': 'excusé',
    'participants.mark.excusedWhy': 'excusé\u00a0: {reason}',
    'participants.mark.absent': 'noté absent',
    'announce.quorum.reached': 'Le quorum est atteint.',
    'announce.quorum.lost': 'Le quorum n’est plus atteint.',
    'participants.others': 'Bureau et observateurs',
    'participants.present': 'présent',
    'participants.absent': 'absent',
    'participants.you': '(vous)',
    'participants.empty': 'Personne dans ce groupe.',
    'participants.names': 'Liste des noms',

    'chair.title': 'Conduite de la séance',
    'chair.hint.scheduled': 'La séance n’est pas encore ouverte.',
    'chair.hint.open': 'La séance est en cours.',
    'chair.hint.suspended': 'La séance est suspendue.',
    'chair.hint.closed': 'La séance est levée ; elle ne peut plus être rouverte.',
    'cmd.meeting.open': 'Ouvrir la séance',
    'cmd.meeting.suspend': 'Suspendre la séance',
    'cmd.meeting.resume': 'Reprendre la séance',
    'cmd.meeting.close': 'Lever la séance',
    'cmd.pending': 'Envoi en cours…',
    'cmd.queued': 'Hors ligne : la demande partira au retour de la connexion.',
    'close.confirm.title': 'Lever la séance ?',
    'close.confirm.text': 'Une séance levée ne peut pas être rouverte.',
    'close.confirm.yes': 'Lever la séance',
    'close.confirm.no': 'Annuler',

    'room.title': 'Visioconférence',
    'room.hide': 'Masquer la vidéo',
    'room.show': 'Afficher la vidéo',
    'room.newWindow': 'Ouvrir dans une nouvelle fenêtre',
    'room.frameTitle': 'Visioconférence de la séance',
    'room.none': 'Aucune salle de visioconférence n’est prévue pour cette séance.',
    'room.hidden': 'La vidéo est masquée. Le son et l’image sont coupés de votre côté.',

    'notice.title': 'Erreur\u00a0:',
    'notice.dismiss': 'Fermer le message',
    'token.missing.title': 'Lien incomplet',
    'token.missing.text': 'Ouvrez le lien personnel reçu dans votre invitation : il contient votre clé d’accès.',
    'token.bad.title': 'Lien non valable',
    'token.bad.text': 'Ce lien d’invitation n’est pas ou plus valable. Demandez un nouveau lien au secrétariat de la commission.',

    'err.bad_json': 'Le message envoyé au serveur était illisible.',
    'err.bad_message': 'Le message envoyé au serveur était incomplet.',
    'err.unknown_type': 'Le serveur ne connaît pas cette action.',
    'err.too_large': 'Le contenu envoyé est trop volumineux.',
    'err.not_authenticated': 'Vous n’êtes pas encore identifié auprès du serveur.',
    'err.bad_token': 'Ce lien ou ce jeton n’est pas ou plus valable.',
    'err.forbidden': 'Votre rôle ne permet pas cette action.',
    'err.bad_state': 'Cette action n’est pas possible dans l’état actuel de la séance.',
    'err.not_found': 'Introuvable : vérifiez l’identifiant.',
    'err.invalid': 'Une valeur est incorrecte.',
    'err.conflict': 'Cela existe déjà ou a déjà été fait.',
    'err.storage_failed': 'Le serveur n’a pas pu enregistrer ; rien n’a changé. Réessayez.',
    'err.no_memory': 'Le serveur est surchargé ; rien n’a changé. Réessayez.',
    'err.rate_limited': 'Trop de demandes à la suite. Patientez un instant.',
    'err.unauthorized': 'Jeton d’administration absent ou incorrect.',
    'err.method_not_allowed': 'Cette opération n’est pas permise ici.',
    'err.internal': 'Erreur interne du serveur.',
    'err.io_error': 'Le serveur n’a pas pu lire ou écrire un fichier.',
    'err.network': 'Le serveur est injoignable. Vérifiez votre connexion.',
    'err.unknown': 'Erreur inattendue ({code}).',
    'err.detail': 'Détail : {message}',

    'admin.title': 'Administration',
    'admin.intro': 'Créez une commission, importez sa liste de membres, programmez une séance et envoyez les liens d’invitation.',
    'admin.token.title': 'Jeton d’administration',
    'admin.token.label': 'Jeton d’administration',
    'admin.token.help': 'Affiché une seule fois au premier lancement du serveur. Il reste dans cet onglet jusqu’à sa fermeture.',
    'admin.token.save': 'Utiliser ce jeton',
    'admin.token.saved': 'Un jeton est enregistré pour cet onglet.',
    'admin.token.forget': 'Oublier le jeton',
    'admin.token.none': 'Aucun jeton : les opérations ci-dessous seront refusées.',
    'admin.token.empty': 'Collez le jeton avant de continuer.',
    'admin.commission.title': 'Créer une commission',
    'admin.commission.name': 'Nom de la commission',
    'admin.commission.colleges': 'Collèges',
    'admin.commission.collegesHelp': 'Identifiants séparés par des virgules, en minuscules, par exemple : bailleurs, locataires',
    'admin.commission.create': 'Créer la commission',
    'admin.commission.created': 'Commission « {name} » créée (identifiant {id}).',
    'admin.commission.id': 'Identifiant de la commission',
    'admin.commission.load': 'Afficher la liste',
    'admin.commission.loaded': 'Commission « {name} » : {count} membres.',
    'admin.roster.title': 'Importer la liste des membres',
    'admin.roster.file': 'Fichier CSV',
    'admin.roster.help': 'Première ligne : nom, collège, rôle (dans l’ordre de votre choix), séparés par des virgules ou des points-virgules. Rôles : chair, secretary, member, observer.',
    'admin.roster.import': 'Importer',
    'admin.roster.imported.one': '{count} membre importé.',
    'admin.roster.imported.other': '{count} membres importés.',
    'admin.roster.noFile': 'Choisissez d’abord un fichier.',
    'admin.roster.noCommission': 'Indiquez d’abord l’identifiant de la commission.',
    'admin.roster.caption': 'Membres de la commission',
    'admin.roster.empty': 'Aucun membre pour le moment.',
    'admin.col.name': 'Nom',
    'admin.col.college': 'Collège',
    'admin.col.role': 'Rôle',
    'admin.col.link': 'Lien d’invitation',
    'admin.col.actions': 'Action',
    'admin.meeting.title': 'Programmer une séance',
    'admin.meeting.titleField': 'Intitulé de la séance',
    'admin.meeting.date': 'Date et heure (heure de Paris)',
    'admin.meeting.place': 'Lieu',
    'admin.meeting.room': 'Adresse de la visioconférence',
    'admin.meeting.roomHelp': 'Lien Jitsi Meet (https://…). Laissé vide, le serveur attribue une salle à la séance.',
    'admin.meeting.lang': 'Langue de la séance',
    'admin.meeting.create': 'Créer la séance',
    'admin.meeting.created': 'Séance « {title} » créée (identifiant {id}).',
    'admin.invite.title': 'Liens d’invitation',
    'admin.invite.meeting': 'Identifiant de la séance',
    'admin.invite.help': 'Chaque lien est personnel et n’est affiché qu’une fois. En produire de nouveaux ne révoque pas les anciens.',
    'admin.invite.create': 'Produire les liens',
    'admin.invite.created.one': '{count} lien produit.',
    'admin.invite.created.other': '{count} liens produits.',
    'admin.invite.caption': 'Liens d’invitation de la séance {id}',
    'admin.invite.copy': 'Copier',
    'admin.invite.copyFor': 'Copier le lien de {name}',
    'admin.invite.copied': 'Lien de {name} copié.',
    'admin.invite.copyFailed': 'Copie impossible : sélectionnez le lien et copiez-le à la main.',
    'admin.invite.linkFor': 'Lien de {name}',
    'admin.invite.download': 'Télécharger le tableau (CSV pour publipostage)',
    'admin.invite.noMeeting': 'Indiquez d’abord l’identifiant de la séance.',
    'admin.csv.name': 'nom',
    'admin.csv.college': 'collège',
    'admin.csv.role': 'rôle',
    'admin.csv.link': 'lien',
    'admin.csv.file': 'invitations-{id}.csv',
    'admin.required': '(obligatoire)',
};

const en = {
    'app.name': 'Concerto',
    'skip': 'Skip to main content',
    'lang.other': 'Français',
    'lang.otherCode': 'fr',

    'conn.label': 'Connection:',
    'conn.connecting': 'Connecting…',
    'conn.online': 'Connected',
    'conn.offline': 'Offline, reconnecting…',
    'conn.failed': 'Disconnected',
    'announce.online': 'Connection restored.',
    'announce.offline': 'Connection lost. Reconnecting.',

    'state.scheduled': 'Scheduled',
    'state.open': 'In session',
    'state.suspended': 'Suspended',
    'state.closed': 'Closed',
    'state.label': 'State',
    'announce.state.open': 'The meeting is open.',
    'announce.state.resumed': 'The meeting has resumed.',
    'announce.state.suspended': 'The meeting is suspended.',
    'announce.state.closed': 'The meeting is closed.',
    'meeting.openedAt': 'Opened at {time}',
    'meeting.closedAt': 'Closed at {time}',
    'meeting.loading': 'Loading the meeting…',

    'role.admin': 'Administrator',
    'role.chair': 'Chair',
    'role.secretary': 'Secretary',
    'role.member': 'Member',
    'role.observer': 'Observer',
    'college.bailleurs': 'Landlords',
    'college.locataires': 'Tenants',
    'you.label': 'You:',
    'you.roleCollege': '{role}, {college}',

    'participants.title': 'Participants',
    'participants.summary.one': '{present} of {total} present',
    'participants.summary.other': '{present} of {total} present',
    'participants.college.one': '{present} of {total} present',
    'participants.college.other': '{present} of {total} present',
    'participants.required': '{required} required',
    'participants.quorumMet.one': 'Quorum reached: {present} present, {required} required',
    'participants.quorumMet.other': 'Quorum reached: {present} present, {required} required',
    'participants.quorumNotMet.one': 'Quorum not reached: {present} present, {required} required',
    'participants.quorumNotMet.other': 'Quorum not reached: {present} present, {required} required',
    'participants.mark.present': 'present in the room',
    'participants.mark.excused': 'excused',
    'participants.mark.excusedWhy': 'excused: {reason}',
    'participants.mark.absent': 'marked absent',
    'announce.quorum.reached': 'The quorum is reached.',
    'announce.quorum.lost': 'The quorum is no longer reached.',
    'participants.others': 'Officers and observers',
    'participants.present': 'present',
    'participants.absent': 'absent',
    'participants.you': '(you)',
    'participants.empty': 'Nobody in this group.',
    'participants.names': 'Names',

    'chair.title': 'Running the meeting',
    'chair.hint.scheduled': 'The meeting is not open yet.',
    'chair.hint.open': 'The meeting is in session.',
    'chair.hint.suspended': 'The meeting is suspended.',
    'chair.hint.closed': 'The meeting is closed; it cannot be reopened.',
    'cmd.meeting.open': 'Open the meeting',
    'cmd.meeting.suspend': 'Suspend the meeting',
    'cmd.meeting.resume': 'Resume the meeting',
    'cmd.meeting.close': 'Close the meeting',
    'cmd.pending': 'Sending…',
    'cmd.queued': 'Offline: the request will be sent when the connection is back.',
    'close.confirm.title': 'Close the meeting?',
    'close.confirm.text': 'A closed meeting cannot be reopened.',
    'close.confirm.yes': 'Close the meeting',
    'close.confirm.no': 'Cancel',

    'room.title': 'Video conference',
    'room.hide': 'Hide the video',
    'room.show': 'Show the video',
    'room.newWindow': 'Open in a new window',
    'room.frameTitle': 'Video conference of the meeting',
    'room.none': 'No video room is set for this meeting.',
    'room.hidden': 'The video is hidden. Your sound and picture are off.',

    'notice.title': 'Error:',
    'notice.dismiss': 'Dismiss the message',
    'token.missing.title': 'Incomplete link',
    'token.missing.text': 'Open the personal link from your invitation: it holds your access key.',
    'token.bad.title': 'Link not valid',
    'token.bad.text': 'This invitation link is not valid or no longer valid. Ask the commission’s secretariat for a new one.',

    'err.bad_json': 'The message sent to the server was unreadable.',
    'err.bad_message': 'The message sent to the server was incomplete.',
    'err.unknown_type': 'The server does not know this action.',
    'err.too_large': 'What was sent is too large.',
    'err.not_authenticated': 'You are not identified to the server yet.',
    'err.bad_token': 'This link or token is not valid or no longer valid.',
    'err.forbidden': 'Your role does not allow this action.',
    'err.bad_state': 'This action is not possible in the meeting’s current state.',
    'err.not_found': 'Not found: check the identifier.',
    'err.invalid': 'A value is not valid.',
    'err.conflict': 'This already exists or was already done.',
    'err.storage_failed': 'The server could not save; nothing changed. Try again.',
    'err.no_memory': 'The server is overloaded; nothing changed. Try again.',
    'err.rate_limited': 'Too many requests in a row. Wait a moment.',
    'err.unauthorized': 'Administrator token missing or wrong.',
    'err.method_not_allowed': 'This operation is not allowed here.',
    'err.internal': 'Internal server error.',
    'err.io_error': 'The server could not read or write a file.',
    'err.network': 'The server cannot be reached. Check your connection.',
    'err.unknown': 'Unexpected error ({code}).',
    'err.detail': 'Detail: {message}',

    'admin.title': 'Administration',
    'admin.intro': 'Create a commission, import its members, schedule a meeting and send the invitation links.',
    'admin.token.title': 'Administrator token',
    'admin.token.label': 'Administrator token',
    'admin.token.help': 'Shown once when the server first starts. It stays in this tab until the tab is closed.',
    'admin.token.save': 'Use this token',
    'admin.token.saved': 'A token is saved for this tab.',
    'admin.token.forget': 'Forget the token',
    'admin.token.none': 'No token: the operations below will be refused.',
    'admin.token.empty': 'Paste the token first.',
    'admin.commission.title': 'Create a commission',
    'admin.commission.name': 'Name of the commission',
    'admin.commission.colleges': 'Colleges',
    'admin.commission.collegesHelp': 'Identifiers separated by commas, in lower case, for example: bailleurs, locataires',
    'admin.commission.create': 'Create the commission',
    'admin.commission.created': 'Commission “{name}” created (identifier {id}).',
    'admin.commission.id': 'Identifier of the commission',
    'admin.commission.load': 'Show the members',
    'admin.commission.loaded': 'Commission “{name}”: {count} members.',
    'admin.roster.title': 'Import the members',
    'admin.roster.file': 'CSV file',
    'admin.roster.help': 'First line: name, college, role (in any order), separated by commas or semicolons. Roles: chair, secretary, member, observer.',
    'admin.roster.import': 'Import',
    'admin.roster.imported.one': '{count} member imported.',
    'admin.roster.imported.other': '{count} members imported.',
    'admin.roster.noFile': 'Choose a file first.',
    'admin.roster.noCommission': 'Give the identifier of the commission first.',
    'admin.roster.caption': 'Members of the commission',
    'admin.roster.empty': 'No members yet.',
    'admin.col.name': 'Name',
    'admin.col.college': 'College',
    'admin.col.role': 'Role',
    'admin.col.link': 'Invitation link',
    'admin.col.actions': 'Action',
    'admin.meeting.title': 'Schedule a meeting',
    'admin.meeting.titleField': 'Title of the meeting',
    'admin.meeting.date': 'Date and time (Paris time)',
    'admin.meeting.place': 'Place',
    'admin.meeting.room': 'Video room address',
    'admin.meeting.roomHelp': 'A Jitsi Meet link (https://…). Left empty, the server gives the meeting a room.',
    'admin.meeting.lang': 'Language of the meeting',
    'admin.meeting.create': 'Create the meeting',
    'admin.meeting.created': 'Meeting “{title}” created (identifier {id}).',
    'admin.invite.title': 'Invitation links',
    'admin.invite.meeting': 'Identifier of the meeting',
    'admin.invite.help': 'Each link is personal and shown only once. Making new ones does not revoke the earlier ones.',
    'admin.invite.create': 'Make the links',
    'admin.invite.created.one': '{count} link made.',
    'admin.invite.created.other': '{count} links made.',
    'admin.invite.caption': 'Invitation links of meeting {id}',
    'admin.invite.copy': 'Copy',
    'admin.invite.copyFor': 'Copy the link of {name}',
    'admin.invite.copied': 'Link of {name} copied.',
    'admin.invite.copyFailed': 'Copy failed: select the link and copy it by hand.',
    'admin.invite.linkFor': 'Link of {name}',
    'admin.invite.download': 'Download the table (CSV for mail merge)',
    'admin.invite.noMeeting': 'Give the identifier of the meeting first.',
    'admin.csv.name': 'name',
    'admin.csv.college': 'college',
    'admin.csv.role': 'role',
    'admin.csv.link': 'link',
    'admin.csv.file': 'invitations-{id}.csv',
    'admin.required': '(required)',
};

export const TABLES = { fr, en };

function storage() {
    try {
        return globalThis.localStorage || null;
    } catch {
        return null; // storage disabled by the browser's privacy settings
    }
}

function stored() {
    const s = storage();
    const v = s ? s.getItem(STORE_KEY) : null;
    return LANGS.includes(v) ? v : null;
}

let fallback = 'fr'; // the meeting's language, when known
let lang = stored() || fallback;
const listeners = new Set();

export function getLang() {
    return lang;
}

function apply(next) {
    if (next === lang) {
        return;
    }
    lang = next;
    if (globalThis.document) {
        document.documentElement.lang = lang;
    }
    for (const fn of listeners) {
        fn(lang);
    }
}

// The person's own choice: remembered for next time.
export function setLang(next) {
    if (!LANGS.includes(next)) {
        return;
    }
    const s = storage();
    if (s) {
        s.setItem(STORE_KEY, next);
    }
    apply(next);
}

// The meeting's language: used only while the person has not chosen.
export function setDefaultLang(next) {
    if (!LANGS.includes(next)) {
        return;
    }
    fallback = next;
    if (!stored()) {
        apply(next);
    }
}

// fn(lang) after every change of language; returns a function that unsubscribes.
export function onLangChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
}

function fillIn(text, params) {
    return text.replace(/\{(\w+)\}/g, (m, k) => (params && k in params ? String(params[k]) : m));
}

export function has(key) {
    return key in TABLES[lang] || key in fr;
}

export function t(key, params) {
    const text = TABLES[lang][key] ?? fr[key] ?? key;
    return fillIn(text, params);
}

// Plural: t(`${key}.one|other`) chosen for `n`, with {count} = n unless given.
export function tn(key, n, params) {
    const rule = new Intl.PluralRules(lang).select(n);
    const k = `${key}.${rule}` in TABLES[lang] ? `${key}.${rule}` : `${key}.other`;
    return t(k, { count: n, ...params });
}

// The display name of a role or a college identifier.
export function roleName(role) {
    return has(`role.${role}`) ? t(`role.${role}`) : role;
}

export function collegeName(college) {
    if (has(`college.${college}`)) {
        return t(`college.${college}`);
    }
    return college ? college.charAt(0).toUpperCase() + college.slice(1) : '';
}

// The message for a protocol error code (section 7 of PROTOCOL.md).
export function errorText(code) {
    return has(`err.${code}`) ? t(`err.${code}`) : t('err.unknown', { code: String(code) });
}

const LOCALES = { fr: 'fr-FR', en: 'en-GB' };

function fmt(options) {
    return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: TIME_ZONE, ...options });
}

// A moment (ms since the epoch) as a time of day in Paris: "14:05".
export function formatTime(ms) {
    return fmt({ hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

// A moment as date and time in Paris.
export function formatDateTime(ms) {
    return fmt({ dateStyle: 'full', timeStyle: 'short' }).format(new Date(ms));
}

// The meeting's date as the server stores it: a number of ms, "YYYY-MM-DD",
// "YYYY-MM-DDTHH:MM" (a Paris wall-clock time) or an ISO moment with a zone.
// Anything unreadable is shown as it is.
export function formatMeetingDate(value) {
    if (typeof value === 'number') {
        return formatDateTime(value);
    }
    if (typeof value !== 'string' || value === '') {
        return '';
    }
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?(?::\d{2}(?:\.\d+)?)?$/.exec(value);
    if (m) {
        // A wall-clock time in Paris: format its parts as they are.
        const [, y, mo, d, hh, mi] = m;
        const wall = new Date(Date.UTC(+y, +mo - 1, +d, hh ? +hh : 12, mi ? +mi : 0));
        const opts = hh ? { dateStyle: 'full', timeStyle: 'short' } : { dateStyle: 'full' };
        return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'UTC', ...opts }).format(wall);
    }
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : formatDateTime(ms);
}

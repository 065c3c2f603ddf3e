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
    'participants.unknown': 'membre {id}',
    'participants.omitted': 'Assemblée nombreuse\u00a0: la liste des membres n’est pas affichée, seulement leur nombre.',

    'chair.title': 'Conduite de la séance',
    'chair.hint.scheduled': 'La séance n’est pas encore ouverte.',
    'chair.hint.open': 'La séance est en cours.',
    'chair.hint.suspended': 'La séance est suspendue.',
    'chair.hint.closed': 'La séance est levée ; elle ne peut plus être rouverte.',
    'chair.hint.voteOpen': 'Un vote est en cours : clôturez-le ou annulez-le avant de lever la séance.',
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

    'confirm.back': 'Revenir',
    'announce.item': 'Point en cours\u00a0: {title}.',
    'announce.speaker': 'La parole est à {name}.',
    'announce.vote.open': 'Vote ouvert\u00a0: {question}',
    'announce.vote.passed': 'Vote clos, adopté\u00a0: {question}',
    'announce.vote.failed': 'Vote clos, non adopté\u00a0: {question}',

    'agenda.title': 'Ordre du jour',
    'agenda.empty': 'L’ordre du jour est vide.',
    'agenda.current': 'Point en cours\u00a0: {num}. {title}',
    'agenda.noCurrent': 'Aucun point en cours.',
    'agenda.chairTools': 'Conduite de l’ordre du jour',
    'agenda.openNext': 'Ouvrir le point suivant',
    'agenda.openNextNum': 'Ouvrir le point suivant ({num})',
    'agenda.closeCurrent': 'Clore le point en cours',
    'agenda.state.pending': 'À venir',
    'agenda.state.current': 'En cours',
    'agenda.state.done': 'Traité',
    'agenda.state.postponed': 'Reporté',
    'agenda.kind.information': 'Information',
    'agenda.kind.deliberation': 'Délibération',
    'agenda.kind.vote': 'Vote',
    'agenda.presenter': 'Présenté par {name}',
    'agenda.planned': 'prévu\u00a0: {planned}',
    'agenda.spent': 'écoulé\u00a0: {spent}',
    'agenda.spentOver': 'écoulé\u00a0: {spent}, au-delà du temps prévu',
    'agenda.manage': 'Gérer',
    'agenda.itemRef': 'le point {num}\u00a0: {title}',
    'agenda.action.open': 'Ouvrir',
    'agenda.action.close': 'Clore',
    'agenda.action.postpone': 'Reporter',
    'agenda.action.edit': 'Modifier',
    'agenda.action.up': 'Monter',
    'agenda.action.down': 'Descendre',
    'agenda.action.remove': 'Supprimer',
    'agenda.remove.title': 'Supprimer ce point\u00a0?',
    'agenda.remove.text': 'Le point « {title} » sera retiré de l’ordre du jour.',
    'agenda.remove.yes': 'Supprimer le point',
    'agenda.add.title': 'Ajouter un point',
    'agenda.add.submit': 'Ajouter le point',
    'agenda.add.done': 'Point « {title} » ajouté.',
    'agenda.edit.title': 'Modifier le point',
    'agenda.edit.submit': 'Enregistrer',
    'agenda.form.title': 'Intitulé',
    'agenda.form.required': '(obligatoire)',
    'agenda.form.titleMissing': 'Indiquez l’intitulé du point.',
    'agenda.form.description': 'Description',
    'agenda.form.presenter': 'Présenté par',
    'agenda.form.duration': 'Durée prévue (minutes)',
    'agenda.form.kind': 'Nature',
    'agenda.form.parent': 'Rattaché au point',
    'agenda.form.noParent': 'Aucun (point principal)',

    'speakers.title': 'Prise de parole',
    'speakers.item': 'Point {num}\u00a0: {title}',
    'speakers.noItem': 'Aucun point en cours\u00a0: les demandes de parole s’ouvrent avec un point de l’ordre du jour.',
    'speakers.floor': 'À la parole',
    'speakers.nobodySpeaking': 'Personne pour le moment.',
    'speakers.left': 'Temps restant\u00a0: {time}',
    'speakers.over': 'Temps dépassé de {time}',
    'speakers.spoken': 'Temps de parole\u00a0: {time}',
    'speakers.paused': '(chronomètre en pause)',
    'speakers.chairTools': 'Conduite des débats',
    'speakers.next': 'Donner la parole au suivant',
    'speakers.end': 'Terminer l’intervention',
    'speakers.pause': 'Mettre le chronomètre en pause',
    'speakers.resume': 'Relancer le chronomètre',
    'speakers.closeList': 'Clore la liste des orateurs',
    'speakers.reopenList': 'Rouvrir la liste des orateurs',
    'speakers.queue.one': 'File d’attente\u00a0: {count} demande',
    'speakers.queue.other': 'File d’attente\u00a0: {count} demandes',
    'speakers.nobody': 'Personne n’a demandé la parole.',
    'speakers.listClosed': 'La liste des orateurs est close\u00a0: seules les motions d’ordre sont encore reçues.',
    'speakers.kind.legend': 'Type de demande',
    'speakers.kind.contribution': 'Intervention',
    'speakers.kind.reply': 'Réponse',
    'speakers.kind.point_of_order': 'Motion d’ordre',
    'speakers.ask': 'Demander la parole',
    'speakers.withdraw': 'Retirer ma demande',
    'speakers.place': 'Votre rang dans la file\u00a0: {place} sur {total} ({kind}).',
    'speakers.youSpeak': 'Vous avez la parole.',
    'speakers.waitItem': 'Vous pourrez demander la parole dès qu’un point sera ouvert.',
    'speakers.waitOpen': 'Vous pourrez demander la parole quand la séance sera ouverte.',
    'speakers.closedOnlyOrder': 'Liste close\u00a0: vous pouvez encore demander une motion d’ordre.',
    'speakers.requestRef': 'la demande de {name}',
    'speakers.action.give': 'Donner la parole',
    'speakers.action.up': 'Monter',
    'speakers.action.down': 'Descendre',
    'speakers.action.remove': 'Retirer',
    'speakers.giveTo.title': 'Donner la parole à une autre personne',
    'speakers.giveTo.label': 'Personne',
    'speakers.giveTo.choose': 'Choisir…',
    'speakers.giveTo.submit': 'Donner la parole',
    'speakers.rules.title': 'Règles de prise de parole',
    'speakers.rules.time': 'Temps de parole par intervention',
    'speakers.rules.minutes': 'Minutes',
    'speakers.rules.seconds': 'Secondes',
    'speakers.rules.timeHelp': '0 pour ne pas limiter. Un point peut avoir son propre temps.',
    'speakers.rules.timeBad': 'Indiquez des minutes (0 à 1440) et des secondes (0 à 59).',
    'speakers.rules.firstTurn': 'Priorité à ceux qui n’ont pas encore parlé sur le point',
    'speakers.rules.alternate': 'Alterner les collèges',
    'speakers.rules.submit': 'Enregistrer les règles',
    'speakers.rules.done': 'Règles enregistrées.',

    'vote.title': 'Votes',
    'vote.none': 'Aucun vote pour le moment.',
    'vote.tools': 'Conduite du vote',
    'vote.state.prepared': 'En préparation',
    'vote.state.open': 'Vote en cours',
    'vote.state.closed': 'Clos',
    'vote.state.published': 'Résultats publiés',
    'vote.state.cancelled': 'Annulé',
    'vote.mode.named': 'Nominatif (chaque vote est nominatif et public)',
    'vote.mode.secret': 'À bulletin secret',
    'vote.mode.namedShort': 'Vote nominatif',
    'vote.mode.secretShort': 'Vote à bulletin secret',
    'vote.kind.yesno': 'Pour, contre ou abstention',
    'vote.kind.choice': 'Choix entre plusieurs options',
    'vote.rule.simple': 'Majorité simple (plus de pour que de contre)',
    'vote.rule.absolute': 'Majorité absolue (plus de la moitié des membres appelés à voter)',
    'vote.rule.qualified': 'Majorité qualifiée',
    'vote.rule.qualifiedShare': 'Majorité qualifiée ({num}/{den} des suffrages exprimés)',
    'vote.rule.double': 'Double majorité (dans chaque collège)',
    'vote.option.yes': 'Pour',
    'vote.option.no': 'Contre',
    'vote.option.abstain': 'Abstention',
    'vote.onItem': 'point {num}',
    'vote.lasts': 'durée\u00a0: {minutes}\u00a0min',
    'vote.progress.one': '{voted} sur {entitled} a voté',
    'vote.progress.other': '{voted} sur {entitled} ont voté',
    'vote.deadline': 'Clôture automatique à {time} (dans {left})',
    'vote.quorumOpen': 'Quorum atteint à l’ouverture du vote.',
    'vote.noQuorumOpen': 'Vote ouvert sans quorum\u00a0: il ne peut pas être adopté.',
    'vote.action.open': 'Ouvrir le vote',
    'vote.action.close': 'Clore le vote',
    'vote.action.cancel': 'Annuler le vote',
    'vote.action.publish': 'Publier les résultats',
    'vote.close.title': 'Clore le vote\u00a0?',
    'vote.close.text.one': '{voted} membre sur {entitled} a voté. Après la clôture, plus aucun bulletin n’est reçu.',
    'vote.close.text.other': '{voted} membres sur {entitled} ont voté. Après la clôture, plus aucun bulletin n’est reçu.',
    'vote.cancel.title': 'Annuler le vote\u00a0?',
    'vote.cancel.text': 'Le vote « {question} » sera annulé, sans résultat.',
    'vote.prepare.title': 'Préparer un vote',
    'vote.prepare.question': 'Question soumise au vote',
    'vote.prepare.questionMissing': 'Indiquez la question soumise au vote.',
    'vote.prepare.kind': 'Réponses possibles',
    'vote.prepare.options': 'Options (une par ligne)',
    'vote.prepare.optionsHelp': 'De 2 à 20 options\u00a0; l’abstention est toujours proposée en plus.',
    'vote.prepare.optionsBad': 'Indiquez de 2 à 20 options, une par ligne.',
    'vote.prepare.mode': 'Mode de scrutin',
    'vote.prepare.rule': 'Règle de majorité',
    'vote.prepare.shareNum': 'Part requise\u00a0: numérateur',
    'vote.prepare.shareDen': 'Part requise\u00a0: dénominateur',
    'vote.prepare.shareBad': 'La part requise doit être une fraction entre 1/100 et 100/100, par exemple 2/3.',
    'vote.prepare.duration': 'Durée (minutes)',
    'vote.prepare.durationHelp': 'Facultatif\u00a0: le vote se clôt seul au bout de cette durée.',
    'vote.prepare.item': 'Point de l’ordre du jour',
    'vote.prepare.itemCurrent': 'Le point en cours ({num})',
    'vote.prepare.itemNone': 'Choisir un point…',
    'vote.prepare.itemMissing': 'Aucun point n’est en cours\u00a0: choisissez le point sur lequel porte le vote.',
    'vote.prepare.submit': 'Préparer le vote',
    'vote.prepare.done': 'Vote préparé\u00a0: « {question} ».',
    'vote.ballot.title': 'Votre bulletin',
    'vote.ballot.legend': 'Votre réponse à la question\u00a0: {question}',
    'vote.ballot.secretNote': 'Vote à bulletin secret\u00a0: votre choix est enregistré sans votre nom, avec un reçu que seul ce navigateur connaît. Gardez-le pour vérifier votre vote après la publication.',
    'vote.ballot.namedNote': 'Vote nominatif\u00a0: votre nom et votre choix figureront dans les résultats.',
    'vote.ballot.cast': 'Voter',
    'vote.ballot.castSelf': 'Voter pour moi',
    'vote.ballot.castFor': 'Voter pour {name} (pouvoir)',
    'vote.ballot.castAll.one': 'Voter pour tous ({count} bulletin)',
    'vote.ballot.castAll.other': 'Voter pour tous ({count} bulletins)',
    'vote.ballot.chooseFirst': 'Choisissez d’abord votre réponse.',
    'vote.ballot.confirmTitle': 'Confirmer votre vote',
    'vote.ballot.confirmText': 'Vous votez « {choice} » pour\u00a0: {who}. Vous pourrez changer d’avis jusqu’à la clôture du vote.',
    'vote.ballot.confirmYes': 'Confirmer mon vote',
    'vote.ballot.yourself': 'vous-même',
    'vote.ballot.you': 'Vous',
    'vote.ballot.forProxy': 'Pour {name} (pouvoir)',
    'vote.ballot.notYet': 'pas encore voté',
    'vote.ballot.notEntitled': 'Vous ne prenez pas part à ce vote (déport sur le point).',
    'vote.ballot.state.cast': 'a voté « {choice} »',
    'vote.ballot.state.sending': 'vote « {choice} » en cours d’envoi',
    'vote.ballot.sending': 'Envoi du vote…',
    'vote.ballot.queued': 'Hors ligne\u00a0: le vote partira au retour de la connexion.',
    'vote.ballot.done': 'Vote « {choice} » enregistré. Vous pouvez le changer jusqu’à la clôture.',
    'vote.ballot.elsewhere': 'Un bulletin secret a déjà été déposé pour ce vote, depuis un autre appareil ou par la personne qui détenait le pouvoir\u00a0: il ne peut être changé qu’avec son reçu, depuis là où il a été déposé.',
    'vote.ballot.closed': 'Le vote n’est pas ouvert\u00a0: ce bulletin n’a pas été reçu.',
    'vote.ballot.forbidden': 'Ce bulletin n’est pas permis (membre présent ou ayant voté lui-même, déport, ou pouvoir retiré).',
    'vote.receipt.label': '— reçu\u00a0:',
    'vote.receipt.afterPublish': 'Vos reçus pourront être vérifiés dans la liste des bulletins dès la publication des résultats.',
    'vote.receipt.canCheck': 'Les résultats sont publiés\u00a0: vérifiez que votre reçu figure dans la liste des bulletins, avec votre choix.',
    'vote.receipt.check': 'Vérifier mon reçu',
    'vote.receipt.found': 'votre reçu {receipt} figure dans la liste avec le choix « {choice} ».',
    'vote.receipt.other': 'votre reçu {receipt} figure dans la liste avec le choix « {choice} », et non « {mine} ». Signalez-le au secrétariat.',
    'vote.receipt.missing': 'votre reçu {receipt} ne figure pas dans la liste. Signalez-le au secrétariat.',
    'vote.receipt.noneHere': 'Ce navigateur ne garde aucun reçu pour ce vote.',
    'vote.receipt.list.one': 'Liste des bulletins ({count})',
    'vote.receipt.list.other': 'Liste des bulletins ({count})',
    'vote.receipt.caption': 'Bulletins du vote « {question} »',
    'vote.receipt.col': 'Reçu',
    'vote.receipt.yours': '(le vôtre)',
    'vote.result.caption': 'Résultats par option et par collège',
    'vote.result.passed': 'Adopté',
    'vote.result.failed': 'Non adopté',
    'vote.result.winner': 'Option retenue\u00a0: {option}',
    'vote.result.noWinner': 'Aucune option retenue',
    'vote.result.turnout.one': '{voted} votant sur {entitled}',
    'vote.result.turnout.other': '{voted} votants sur {entitled}',
    'vote.result.quorumClose': 'quorum atteint à la clôture',
    'vote.result.noQuorumClose': 'quorum non atteint à la clôture',
    'vote.col.option': 'Réponse',
    'vote.col.total': 'Total',
    'vote.col.voter': 'Membre',
    'vote.col.choice': 'Vote',
    'vote.named.title.one': 'Bulletin nominatif ({count})',
    'vote.named.title.other': 'Bulletins nominatifs ({count})',
    'vote.named.caption': 'Bulletins nominatifs du vote « {question} »',
    'vote.named.by': '(par {name}, pouvoir)',

    'proxies.title': 'Pouvoirs et déports',
    'proxies.mine.title': 'Votre pouvoir',
    'proxies.mine.none': 'Vous n’avez ni donné ni reçu de pouvoir.',
    'proxies.mine.gave': 'Vous avez donné pouvoir à {name}.',
    'proxies.mine.holds': 'Vous détenez le pouvoir de\u00a0: {names}.',
    'proxies.give.label': 'Donner pouvoir à',
    'proxies.give.choose': 'Choisir un membre…',
    'proxies.give.chooseFirst': 'Choisissez d’abord le membre qui votera pour vous.',
    'proxies.give.help': 'Le membre choisi votera pour vous quand vous serez absent.',
    'proxies.give.helpCollege': 'Un membre du collège {college}\u00a0: il votera pour vous quand vous serez absent.',
    'proxies.give.submit': 'Donner pouvoir',
    'proxies.give.loadRoster': 'Afficher les membres',
    'proxies.revoke.mine': 'Révoquer mon pouvoir',
    'proxies.revoke.one': 'Révoquer',
    'proxies.revoke.of': 'le pouvoir de {name}',
    'proxies.recusal.title': 'Déport',
    'proxies.recusal.noItem': 'Aucun point en cours.',
    'proxies.recusal.off': 'Vous participez au point {num} ({title}).',
    'proxies.recusal.on': 'Vous vous êtes déporté sur le point {num} ({title})\u00a0: vous ne votez pas sur ce point.',
    'proxies.recusal.declare': 'Me déporter sur ce point',
    'proxies.recusal.withdraw': 'Retirer mon déport',
    'proxies.register': 'Registre des pouvoirs',
    'proxies.line': '{from} a donné pouvoir à {to}',
    'proxies.noneYet': 'Aucun pouvoir.',
    'proxies.recusals': 'Déports',
    'proxies.recusalLine': '{name}, sur le point {num} ({title})',
    'proxies.noRecusal': 'Aucun déport.',
    'proxies.paper.title': 'Enregistrer un pouvoir papier',
    'proxies.paper.from': 'Mandant (qui donne pouvoir)',
    'proxies.paper.to': 'Mandataire (qui le reçoit)',
    'proxies.paper.submit': 'Enregistrer le pouvoir',
    'proxies.paper.chooseBoth': 'Choisissez le mandant et le mandataire.',
    'proxies.paper.done': 'Pouvoir enregistré.',

    'attendance.title': 'Pointage des présences',
    'attendance.help': 'Un pointage l’emporte sur la connexion pour le quorum. «\u00a0Selon la connexion\u00a0» revient à la présence en ligne.',
    'attendance.mark.label': 'Pointage',
    'attendance.mark.none': 'Selon la connexion',
    'attendance.mark.present': 'Présent en salle',
    'attendance.mark.excused': 'Excusé',
    'attendance.mark.absent': 'Absent',
    'attendance.marked.present': 'pointé présent',
    'attendance.marked.excused': 'excusé',
    'attendance.marked.absent': 'pointé absent',
    'attendance.reason': 'Motif de l’excuse',
    'attendance.save': 'Enregistrer',
    'attendance.connected': 'connecté',
    'attendance.notConnected': 'non connecté',
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
    'participants.unknown': 'member {id}',
    'participants.omitted': 'A large assembly: the members are counted here, not listed.',

    'chair.title': 'Running the meeting',
    'chair.hint.scheduled': 'The meeting is not open yet.',
    'chair.hint.open': 'The meeting is in session.',
    'chair.hint.suspended': 'The meeting is suspended.',
    'chair.hint.closed': 'The meeting is closed; it cannot be reopened.',
    'chair.hint.voteOpen': 'A vote is open: close or cancel it before closing the meeting.',
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

    'confirm.back': 'Go back',
    'announce.item': 'Current item: {title}.',
    'announce.speaker': '{name} has the floor.',
    'announce.vote.open': 'Vote open: {question}',
    'announce.vote.passed': 'Vote closed, adopted: {question}',
    'announce.vote.failed': 'Vote closed, not adopted: {question}',

    'agenda.title': 'Agenda',
    'agenda.empty': 'The agenda is empty.',
    'agenda.current': 'Current item: {num}. {title}',
    'agenda.noCurrent': 'No item is current.',
    'agenda.chairTools': 'Running the agenda',
    'agenda.openNext': 'Open the next item',
    'agenda.openNextNum': 'Open the next item ({num})',
    'agenda.closeCurrent': 'Close the current item',
    'agenda.state.pending': 'To come',
    'agenda.state.current': 'Current',
    'agenda.state.done': 'Done',
    'agenda.state.postponed': 'Postponed',
    'agenda.kind.information': 'Information',
    'agenda.kind.deliberation': 'Deliberation',
    'agenda.kind.vote': 'Vote',
    'agenda.presenter': 'Presented by {name}',
    'agenda.planned': 'planned: {planned}',
    'agenda.spent': 'spent: {spent}',
    'agenda.spentOver': 'spent: {spent}, beyond the planned time',
    'agenda.manage': 'Manage',
    'agenda.itemRef': 'item {num}: {title}',
    'agenda.action.open': 'Open',
    'agenda.action.close': 'Close',
    'agenda.action.postpone': 'Postpone',
    'agenda.action.edit': 'Edit',
    'agenda.action.up': 'Move up',
    'agenda.action.down': 'Move down',
    'agenda.action.remove': 'Remove',
    'agenda.remove.title': 'Remove this item?',
    'agenda.remove.text': 'The item “{title}” will be taken off the agenda.',
    'agenda.remove.yes': 'Remove the item',
    'agenda.add.title': 'Add an item',
    'agenda.add.submit': 'Add the item',
    'agenda.add.done': 'Item “{title}” added.',
    'agenda.edit.title': 'Edit the item',
    'agenda.edit.submit': 'Save',
    'agenda.form.title': 'Title',
    'agenda.form.required': '(required)',
    'agenda.form.titleMissing': 'Give the item a title.',
    'agenda.form.description': 'Description',
    'agenda.form.presenter': 'Presented by',
    'agenda.form.duration': 'Planned time (minutes)',
    'agenda.form.kind': 'Kind',
    'agenda.form.parent': 'Under the item',
    'agenda.form.noParent': 'None (a main item)',

    'speakers.title': 'The floor',
    'speakers.item': 'Item {num}: {title}',
    'speakers.noItem': 'No item is current: requests to speak open with an agenda item.',
    'speakers.floor': 'Has the floor',
    'speakers.nobodySpeaking': 'Nobody at the moment.',
    'speakers.left': 'Time left: {time}',
    'speakers.over': 'Over time by {time}',
    'speakers.spoken': 'Speaking for {time}',
    'speakers.paused': '(timer paused)',
    'speakers.chairTools': 'Chairing the debate',
    'speakers.next': 'Give the floor to the next',
    'speakers.end': 'End the turn',
    'speakers.pause': 'Pause the timer',
    'speakers.resume': 'Restart the timer',
    'speakers.closeList': 'Close the list of speakers',
    'speakers.reopenList': 'Reopen the list of speakers',
    'speakers.queue.one': 'Queue: {count} request',
    'speakers.queue.other': 'Queue: {count} requests',
    'speakers.nobody': 'Nobody has asked for the floor.',
    'speakers.listClosed': 'The list of speakers is closed: only points of order are still taken.',
    'speakers.kind.legend': 'Kind of request',
    'speakers.kind.contribution': 'Contribution',
    'speakers.kind.reply': 'Reply',
    'speakers.kind.point_of_order': 'Point of order',
    'speakers.ask': 'Ask for the floor',
    'speakers.withdraw': 'Withdraw my request',
    'speakers.place': 'Your place in the queue: {place} of {total} ({kind}).',
    'speakers.youSpeak': 'You have the floor.',
    'speakers.waitItem': 'You can ask for the floor once an item is open.',
    'speakers.waitOpen': 'You can ask for the floor once the meeting is open.',
    'speakers.closedOnlyOrder': 'List closed: you can still raise a point of order.',
    'speakers.requestRef': 'the request of {name}',
    'speakers.action.give': 'Give the floor',
    'speakers.action.up': 'Move up',
    'speakers.action.down': 'Move down',
    'speakers.action.remove': 'Remove',
    'speakers.giveTo.title': 'Give the floor to someone else',
    'speakers.giveTo.label': 'Person',
    'speakers.giveTo.choose': 'Choose…',
    'speakers.giveTo.submit': 'Give the floor',
    'speakers.rules.title': 'Speaking rules',
    'speakers.rules.time': 'Speaking time per turn',
    'speakers.rules.minutes': 'Minutes',
    'speakers.rules.seconds': 'Seconds',
    'speakers.rules.timeHelp': '0 for no limit. An item may have its own time.',
    'speakers.rules.timeBad': 'Give minutes (0 to 1440) and seconds (0 to 59).',
    'speakers.rules.firstTurn': 'Those who have not spoken on the item yet come first',
    'speakers.rules.alternate': 'Alternate the colleges',
    'speakers.rules.submit': 'Save the rules',
    'speakers.rules.done': 'Rules saved.',

    'vote.title': 'Votes',
    'vote.none': 'No vote yet.',
    'vote.tools': 'Running the vote',
    'vote.state.prepared': 'Prepared',
    'vote.state.open': 'Voting',
    'vote.state.closed': 'Closed',
    'vote.state.published': 'Results published',
    'vote.state.cancelled': 'Cancelled',
    'vote.mode.named': 'Named (each vote is public, with its voter)',
    'vote.mode.secret': 'Secret ballot',
    'vote.mode.namedShort': 'Named vote',
    'vote.mode.secretShort': 'Secret ballot',
    'vote.kind.yesno': 'For, against or abstain',
    'vote.kind.choice': 'A choice among options',
    'vote.rule.simple': 'Simple majority (more for than against)',
    'vote.rule.absolute': 'Absolute majority (more than half of the members entitled to vote)',
    'vote.rule.qualified': 'Qualified majority',
    'vote.rule.qualifiedShare': 'Qualified majority ({num}/{den} of the votes cast)',
    'vote.rule.double': 'Double majority (within each college)',
    'vote.option.yes': 'For',
    'vote.option.no': 'Against',
    'vote.option.abstain': 'Abstain',
    'vote.onItem': 'item {num}',
    'vote.lasts': 'lasts {minutes} min',
    'vote.progress.one': '{voted} of {entitled} has voted',
    'vote.progress.other': '{voted} of {entitled} have voted',
    'vote.deadline': 'Closes by itself at {time} (in {left})',
    'vote.quorumOpen': 'Quorum reached when the vote opened.',
    'vote.noQuorumOpen': 'Opened without quorum: it cannot be adopted.',
    'vote.action.open': 'Open the vote',
    'vote.action.close': 'Close the vote',
    'vote.action.cancel': 'Cancel the vote',
    'vote.action.publish': 'Publish the results',
    'vote.close.title': 'Close the vote?',
    'vote.close.text.one': '{voted} member of {entitled} has voted. Once closed, no more ballots are taken.',
    'vote.close.text.other': '{voted} members of {entitled} have voted. Once closed, no more ballots are taken.',
    'vote.cancel.title': 'Cancel the vote?',
    'vote.cancel.text': 'The vote “{question}” will be cancelled, with no result.',
    'vote.prepare.title': 'Prepare a vote',
    'vote.prepare.question': 'Question put to the vote',
    'vote.prepare.questionMissing': 'Give the question put to the vote.',
    'vote.prepare.kind': 'Possible answers',
    'vote.prepare.options': 'Options (one per line)',
    'vote.prepare.optionsHelp': 'From 2 to 20 options; abstaining is always offered as well.',
    'vote.prepare.optionsBad': 'Give 2 to 20 options, one per line.',
    'vote.prepare.mode': 'Kind of ballot',
    'vote.prepare.rule': 'Majority rule',
    'vote.prepare.shareNum': 'Share required: numerator',
    'vote.prepare.shareDen': 'Share required: denominator',
    'vote.prepare.shareBad': 'The share required must be a fraction from 1/100 to 100/100, 2/3 for example.',
    'vote.prepare.duration': 'Duration (minutes)',
    'vote.prepare.durationHelp': 'Optional: the vote closes by itself after this time.',
    'vote.prepare.item': 'Agenda item',
    'vote.prepare.itemCurrent': 'The current item ({num})',
    'vote.prepare.itemNone': 'Choose an item…',
    'vote.prepare.itemMissing': 'No item is current: choose the item the vote is about.',
    'vote.prepare.submit': 'Prepare the vote',
    'vote.prepare.done': 'Vote prepared: “{question}”.',
    'vote.ballot.title': 'Your ballot',
    'vote.ballot.legend': 'Your answer to the question: {question}',
    'vote.ballot.secretNote': 'Secret ballot: your choice is stored without your name, with a receipt only this browser knows. Keep it to check your vote once the results are published.',
    'vote.ballot.namedNote': 'Named vote: your name and your choice will appear in the results.',
    'vote.ballot.cast': 'Vote',
    'vote.ballot.castSelf': 'Vote for myself',
    'vote.ballot.castFor': 'Vote for {name} (proxy)',
    'vote.ballot.castAll.one': 'Vote for all ({count} ballot)',
    'vote.ballot.castAll.other': 'Vote for all ({count} ballots)',
    'vote.ballot.chooseFirst': 'Choose your answer first.',
    'vote.ballot.confirmTitle': 'Confirm your vote',
    'vote.ballot.confirmText': 'You vote “{choice}” for: {who}. You can change your mind until the vote closes.',
    'vote.ballot.confirmYes': 'Confirm my vote',
    'vote.ballot.yourself': 'yourself',
    'vote.ballot.you': 'You',
    'vote.ballot.forProxy': 'For {name} (proxy)',
    'vote.ballot.notYet': 'not voted yet',
    'vote.ballot.notEntitled': 'You take no part in this vote (recused on the item).',
    'vote.ballot.state.cast': 'voted “{choice}”',
    'vote.ballot.state.sending': 'vote “{choice}” being sent',
    'vote.ballot.sending': 'Sending the vote…',
    'vote.ballot.queued': 'Offline: the vote will be sent when the connection is back.',
    'vote.ballot.done': 'Vote “{choice}” recorded. You can change it until the vote closes.',
    'vote.ballot.elsewhere': 'A secret ballot was already cast in this vote, from another device or by the holder of the proxy: it can only be changed with its receipt, from where it was cast.',
    'vote.ballot.closed': 'The vote is not open: this ballot was not taken.',
    'vote.ballot.forbidden': 'This ballot is not allowed (a member present or who voted themselves, a recusal, or a proxy withdrawn).',
    'vote.receipt.label': '— receipt:',
    'vote.receipt.afterPublish': 'Your receipts can be checked in the list of ballots once the results are published.',
    'vote.receipt.canCheck': 'The results are published: check that your receipt is in the list of ballots, with your choice.',
    'vote.receipt.check': 'Check my receipt',
    'vote.receipt.found': 'your receipt {receipt} is in the list with the choice “{choice}”.',
    'vote.receipt.other': 'your receipt {receipt} is in the list with the choice “{choice}”, not “{mine}”. Tell the secretariat.',
    'vote.receipt.missing': 'your receipt {receipt} is not in the list. Tell the secretariat.',
    'vote.receipt.noneHere': 'This browser keeps no receipt for this vote.',
    'vote.receipt.list.one': 'List of ballots ({count})',
    'vote.receipt.list.other': 'List of ballots ({count})',
    'vote.receipt.caption': 'Ballots of the vote “{question}”',
    'vote.receipt.col': 'Receipt',
    'vote.receipt.yours': '(yours)',
    'vote.result.caption': 'Results by answer and by college',
    'vote.result.passed': 'Adopted',
    'vote.result.failed': 'Not adopted',
    'vote.result.winner': 'Option chosen: {option}',
    'vote.result.noWinner': 'No option chosen',
    'vote.result.turnout.one': '{voted} voter of {entitled}',
    'vote.result.turnout.other': '{voted} voters of {entitled}',
    'vote.result.quorumClose': 'quorum reached at the close',
    'vote.result.noQuorumClose': 'quorum not reached at the close',
    'vote.col.option': 'Answer',
    'vote.col.total': 'Total',
    'vote.col.voter': 'Member',
    'vote.col.choice': 'Vote',
    'vote.named.title.one': 'Named ballot ({count})',
    'vote.named.title.other': 'Named ballots ({count})',
    'vote.named.caption': 'Named ballots of the vote “{question}”',
    'vote.named.by': '(by {name}, proxy)',

    'proxies.title': 'Proxies and recusals',
    'proxies.mine.title': 'Your proxy',
    'proxies.mine.none': 'You have neither given nor received a proxy.',
    'proxies.mine.gave': 'You gave your proxy to {name}.',
    'proxies.mine.holds': 'You hold the proxy of: {names}.',
    'proxies.give.label': 'Give your proxy to',
    'proxies.give.choose': 'Choose a member…',
    'proxies.give.chooseFirst': 'First choose the member who will vote for you.',
    'proxies.give.help': 'The member chosen votes for you while you are absent.',
    'proxies.give.helpCollege': 'A member of the {college} college: they vote for you while you are absent.',
    'proxies.give.submit': 'Give my proxy',
    'proxies.give.loadRoster': 'Show the members',
    'proxies.revoke.mine': 'Revoke my proxy',
    'proxies.revoke.one': 'Revoke',
    'proxies.revoke.of': 'the proxy of {name}',
    'proxies.recusal.title': 'Recusal',
    'proxies.recusal.noItem': 'No item is current.',
    'proxies.recusal.off': 'You take part in item {num} ({title}).',
    'proxies.recusal.on': 'You are recused on item {num} ({title}): you do not vote on it.',
    'proxies.recusal.declare': 'Recuse myself on this item',
    'proxies.recusal.withdraw': 'Withdraw my recusal',
    'proxies.register': 'Register of proxies',
    'proxies.line': '{from} gave their proxy to {to}',
    'proxies.noneYet': 'No proxy.',
    'proxies.recusals': 'Recusals',
    'proxies.recusalLine': '{name}, on item {num} ({title})',
    'proxies.noRecusal': 'No recusal.',
    'proxies.paper.title': 'Record a proxy given on paper',
    'proxies.paper.from': 'Giver',
    'proxies.paper.to': 'Holder',
    'proxies.paper.submit': 'Record the proxy',
    'proxies.paper.chooseBoth': 'Choose the giver and the holder.',
    'proxies.paper.done': 'Proxy recorded.',

    'attendance.title': 'Roll call',
    'attendance.help': 'A mark wins over the connection for the quorum. “Follow the connection” goes back to presence online.',
    'attendance.mark.label': 'Mark',
    'attendance.mark.none': 'Follow the connection',
    'attendance.mark.present': 'Present in the room',
    'attendance.mark.excused': 'Excused',
    'attendance.mark.absent': 'Absent',
    'attendance.marked.present': 'marked present',
    'attendance.marked.excused': 'excused',
    'attendance.marked.absent': 'marked absent',
    'attendance.reason': 'Reason for the excuse',
    'attendance.save': 'Save',
    'attendance.connected': 'connected',
    'attendance.notConnected': 'not connected',
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

function number(options) {
    return new Intl.NumberFormat(LOCALES[lang], options);
}

// A planned duration in seconds, in minutes: "40 min" (hours from 2 h up).
export function formatMinutes(seconds) {
    const min = Math.round((seconds || 0) / 60);
    if (min >= 120 && min % 60 === 0) {
        return number({ style: 'unit', unit: 'hour', unitDisplay: 'short' }).format(min / 60);
    }
    return number({ style: 'unit', unit: 'minute', unitDisplay: 'short' }).format(min);
}

// A span of time (ms) in words for reading: "12 min 5 s", "1 h 2 min".
export function formatDuration(ms) {
    const total = Math.max(0, Math.floor((ms || 0) / 1000));
    const hr = Math.floor(total / 3600);
    const min = Math.floor((total % 3600) / 60);
    const sec = total % 60;
    const unit = (u, n) => number({ style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
    if (hr > 0) {
        return `${unit('hour', hr)} ${unit('minute', min)}`;
    }
    if (min > 0) {
        return `${unit('minute', min)} ${unit('second', sec)}`;
    }
    return unit('second', sec);
}

// A countdown (ms, its absolute value) as a clock: "2:05", "1:02:05".
export function formatClock(ms) {
    const total = Math.floor(Math.abs(ms || 0) / 1000);
    const hr = Math.floor(total / 3600);
    const min = Math.floor((total % 3600) / 60);
    const sec = String(total % 60).padStart(2, '0');
    return hr > 0 ? `${hr}:${String(min).padStart(2, '0')}:${sec}` : `${min}:${sec}`;
}

// The label of a vote option: yes, no and abstain are the protocol's words
// for Pour, Contre, Abstention; the options of a choice are shown as written.
export function optionName(option) {
    return ['yes', 'no', 'abstain'].includes(option) ? t(`vote.option.${option}`) : option;
}

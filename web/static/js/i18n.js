// Words and formats. French first; English when the browser prefers it or the
// switch asks. Sizes and dates follow the language's habits ("3,2 Mo",
// "vendredi 18:00").

const fr = {
  "app.title": "Mes documents",
  "app.loading": "Chargement…",
  "app.skip": "Aller au contenu",
  "app.menu": "Espaces",
  "app.switch": "English",
  "app.switchLang": "en",
  "app.logout": "Se déconnecter",
  "login.title": "Connexion à Mes documents",
  "login.sso": "Se connecter avec l'ENT",
  "login.dev": "Mode développement : choisissez qui vous êtes.",
  "login.filter": "Chercher un nom",
  "login.signingIn": "Connexion en cours…",
  "login.failed": "La connexion n'a pas abouti. Réessayez.",
  "login.expired": "Votre session a expiré. Reconnectez-vous.",
  "profile.Teacher": "Enseignants",
  "profile.Personnel": "Personnels",
  "profile.Student": "Élèves",
  "profile.Relative": "Parents",
  "profile.Guest": "Invités",
  "nav.personal": "Mes documents",
  "nav.classes": "Mes classes",
  "nav.staff": "Salle des profs",
  "nav.shared": "Partagés avec moi",
  "nav.trash": "Corbeille",
  "crumbs": "Vous êtes ici",
  "folder.items": "Contenu du dossier",
  "folder.empty": "Ce dossier est vide",
  "folder.emptyDrop": "Déposez des fichiers ici, ou utilisez le bouton « Ajouter des fichiers ».",
  "folder.emptyReadOnly": "Rien à voir pour l'instant.",
  "folder.readOnly": "Ce dossier est en lecture seule : vous pouvez ouvrir et télécharger les fichiers, pas en ajouter.",
  "folder.count.0": "vide",
  "folder.count.1": "1 élément",
  "folder.count.n": "{n} éléments",
  "folder.more": "Afficher la suite",
  "folder.loading": "Chargement…",
  "folder.dropHere": "Lâchez vos fichiers pour les ajouter à « {name} »",
  "action.newFolder": "Nouveau dossier",
  "action.upload": "Ajouter des fichiers",
  "action.share": "Partager",
  "action.rename": "Renommer",
  "action.trash": "Mettre à la corbeille",
  "action.restore": "Restaurer",
  "action.purge": "Supprimer définitivement",
  "action.download": "Télécharger",
  "action.open": "Ouvrir",
  "action.mode": "Ce que les élèves peuvent faire",
  "action.modeStaff": "Ce que les collègues peuvent faire",
  "action.more": "Actions pour « {name} »",
  "action.cancel": "Annuler",
  "action.close": "Fermer",
  "action.create": "Créer",
  "action.save": "Enregistrer",
  "action.undo": "Annuler",
  "view.label": "Affichage",
  "view.list": "Liste",
  "view.grid": "Vignettes",
  "sort.label": "Trier par",
  "sort.name": "Nom (A → Z)",
  "sort.nameDesc": "Nom (Z → A)",
  "sort.recent": "Modifiés récemment",
  "sort.old": "Les plus anciens",
  "sort.size": "Les plus gros",
  "dialog.newFolder": "Nouveau dossier",
  "dialog.folderName": "Nom du dossier",
  "dialog.rename": "Renommer « {name} »",
  "dialog.newName": "Nouveau nom",
  "dialog.purge": "Supprimer définitivement « {name} » ? Il ne pourra plus être récupéré.",
  "toast.created": "Dossier « {name} » créé.",
  "toast.renamed": "Renommé en « {name} ».",
  "toast.trashed": "« {name} » est dans la corbeille.",
  "toast.restored": "« {name} » est restauré.",
  "toast.purged": "« {name} » est supprimé définitivement.",
  "toast.modeSet": "Réglage enregistré pour « {name} ».",
  "mode.title": "Dans « {name} », les élèves peuvent…",
  "mode.titleStaff": "Dans « {name} », les collègues peuvent…",
  "mode.inherit": "Comme le dossier au-dessus",
  "mode.inheritHint": "Le réglage du dossier parent s'applique.",
  "mode.inheritNow": "Le réglage du dossier parent s'applique : aujourd'hui, « {mode} ».",
  "mode.standard": "Ajouter des fichiers",
  "mode.standardHint": "Chacun ajoute et ne modifie que ses propres fichiers.",
  "mode.collaborative": "Travailler en groupe",
  "mode.collaborativeHint": "Tout le monde peut ajouter, renommer et supprimer tous les fichiers.",
  "mode.read_only": "Seulement consulter",
  "mode.read_onlyHint": "Ouvrir et télécharger, sans rien ajouter ni changer. Idéal pour les cours.",
  "badge.read_only": "Lecture seule",
  "badge.collaborative": "Travail en groupe",
  "badge.shared": "Partagé",
  "meta.folder": "Dossier",
  "meta.by": "par {name}",
  "meta.trashed": "Supprimé {date}",
  "meta.sharedAt": "Partagé {date}",
  "meta.sharedBy": "Partagé par {name}",
  "shared.title": "Partagés avec moi",
  "shared.empty": "Personne ne vous a encore partagé de document.",
  "trash.title": "Corbeille",
  "trash.empty": "La corbeille est vide.",
  "trash.hint": "Les éléments restent 30 jours dans la corbeille, puis sont supprimés.",
  "upload.title": "Envois",
  "upload.waiting": "En attente",
  "upload.sending": "Envoi… {pct} %",
  "upload.done": "Envoyé",
  "upload.skipped": "Non envoyé",
  "upload.failed": "Échec",
  "upload.retry": "Réessayer",
  "upload.cancel": "Annuler l'envoi de « {name} »",
  "upload.summary": "Envoyés : {done} sur {total}",
  "upload.offline": "Connexion perdue : l'envoi reprendra tout seul.",
  "upload.tooLarge": "Ce fichier est trop gros ({size}, maximum {max}).",
  "upload.quota": "Il n'y a plus assez de place ici ({needed} nécessaires, {available} libres).",
  "upload.quotaBigger": "Ce fichier est plus gros que tout l'espace disponible ici ({limit}).",
  "upload.folderSkipped": "Les dossiers ne peuvent pas encore être déposés : choisissez les fichiers qu'ils contiennent.",
  "clash.title": "« {name} » existe déjà ici",
  "clash.text": "Un fichier porte déjà ce nom dans ce dossier. Que voulez-vous faire ?",
  "clash.replace": "Remplacer",
  "clash.replaceHint": "La nouvelle version remplace l'ancienne (l'ancienne reste dans l'historique).",
  "clash.keep": "Garder les deux",
  "clash.keepHint": "Le nouveau fichier est renommé, par exemple « {example} ».",
  "clash.skip": "Ne pas envoyer",
  "clash.all": "Faire de même pour les autres fichiers en double",
  "share.title": "Partager « {name} »",
  "share.who": "Avec qui ?",
  "share.whoHint": "Tapez le nom d'une classe, d'un groupe ou d'une personne.",
  "share.placeholder": "Ex. : 6A, Martin",
  "share.noResult": "Personne ne correspond à « {q} ».",
  "share.results": "Résultats",
  "share.chosen": "Choisi : {label}",
  "share.change": "Changer",
  "share.role": "Ils pourront…",
  "share.submit": "Partager",
  "share.done": "Partagé avec {label}.",
  "share.access": "Qui a accès",
  "share.nobody": "Ce dossier n'est partagé avec personne pour l'instant.",
  "share.remove": "Retirer l'accès de {label}",
  "share.removed": "{label} n'a plus accès.",
  "share.roleOf": "Droits de {label}",
  "share.pickFirst": "Choisissez d'abord avec qui partager.",
  "share.link": "Accès par lien",
  "role.viewer": "Consulter",
  "role.viewerHint": "voir et télécharger",
  "role.contributor": "Contribuer",
  "role.contributorHint": "ajouter, modifier et supprimer",
  "role.manager": "Gérer",
  "role.managerHint": "tout faire, et partager",
  "quota.mine": "Place utilisée dans Mes documents",
  "quota.space": "Place utilisée dans cet espace",
  "quota.used": "{used} sur {limit}",
  "quota.high": "presque plein",
  "quota.full": "plein",
  "error.generic": "Une erreur est survenue. Réessayez.",
  "error.network": "Pas de connexion au serveur. Vérifiez votre connexion Internet, puis réessayez.",
  "error.notFound": "Ce dossier n'existe pas, ou vous n'y avez pas accès.",
  "error.back": "Retour à Mes documents",
  "size.units": ["o", "Ko", "Mo", "Go", "To"],
  "date.today": "aujourd'hui {time}",
  "date.yesterday": "hier {time}",
};

const en = {
  "app.title": "My documents",
  "app.loading": "Loading…",
  "app.skip": "Skip to content",
  "app.menu": "Spaces",
  "app.switch": "Français",
  "app.switchLang": "fr",
  "app.logout": "Sign out",
  "login.title": "Sign in to My documents",
  "login.sso": "Sign in with the ENT",
  "login.dev": "Development mode: pick who you are.",
  "login.filter": "Search a name",
  "login.signingIn": "Signing in…",
  "login.failed": "Signing in failed. Try again.",
  "login.expired": "Your session has expired. Sign in again.",
  "profile.Teacher": "Teachers",
  "profile.Personnel": "Staff",
  "profile.Student": "Pupils",
  "profile.Relative": "Parents",
  "profile.Guest": "Guests",
  "nav.personal": "My documents",
  "nav.classes": "My classes",
  "nav.staff": "Staff room",
  "nav.shared": "Shared with me",
  "nav.trash": "Trash",
  "crumbs": "You are here",
  "folder.items": "Folder contents",
  "folder.empty": "This folder is empty",
  "folder.emptyDrop": "Drop files here, or use the “Add files” button.",
  "folder.emptyReadOnly": "Nothing to see yet.",
  "folder.readOnly": "This folder is read-only: you can open and download its files, not add any.",
  "folder.count.0": "empty",
  "folder.count.1": "1 item",
  "folder.count.n": "{n} items",
  "folder.more": "Show more",
  "folder.loading": "Loading…",
  "folder.dropHere": "Drop your files to add them to “{name}”",
  "action.newFolder": "New folder",
  "action.upload": "Add files",
  "action.share": "Share",
  "action.rename": "Rename",
  "action.trash": "Move to trash",
  "action.restore": "Restore",
  "action.purge": "Delete forever",
  "action.download": "Download",
  "action.open": "Open",
  "action.mode": "What pupils may do",
  "action.modeStaff": "What colleagues may do",
  "action.more": "Actions for “{name}”",
  "action.cancel": "Cancel",
  "action.close": "Close",
  "action.create": "Create",
  "action.save": "Save",
  "action.undo": "Undo",
  "view.label": "View",
  "view.list": "List",
  "view.grid": "Thumbnails",
  "sort.label": "Sort by",
  "sort.name": "Name (A → Z)",
  "sort.nameDesc": "Name (Z → A)",
  "sort.recent": "Recently changed",
  "sort.old": "Oldest first",
  "sort.size": "Largest first",
  "dialog.newFolder": "New folder",
  "dialog.folderName": "Folder name",
  "dialog.rename": "Rename “{name}”",
  "dialog.newName": "New name",
  "dialog.purge": "Delete “{name}” forever? It cannot be recovered.",
  "toast.created": "Folder “{name}” created.",
  "toast.renamed": "Renamed to “{name}”.",
  "toast.trashed": "“{name}” is in the trash.",
  "toast.restored": "“{name}” is restored.",
  "toast.purged": "“{name}” is deleted forever.",
  "toast.modeSet": "Setting saved for “{name}”.",
  "mode.title": "In “{name}”, pupils may…",
  "mode.titleStaff": "In “{name}”, colleagues may…",
  "mode.inherit": "Same as the folder above",
  "mode.inheritHint": "The parent folder's setting applies.",
  "mode.inheritNow": "The parent folder's setting applies: today, “{mode}”.",
  "mode.standard": "Add files",
  "mode.standardHint": "Everyone adds files and changes only their own.",
  "mode.collaborative": "Work as a group",
  "mode.collaborativeHint": "Everyone may add, rename and delete every file.",
  "mode.read_only": "Only look",
  "mode.read_onlyHint": "Open and download, without adding or changing anything. Best for lessons.",
  "badge.read_only": "Read-only",
  "badge.collaborative": "Group work",
  "badge.shared": "Shared",
  "meta.folder": "Folder",
  "meta.by": "by {name}",
  "meta.trashed": "Deleted {date}",
  "meta.sharedAt": "Shared {date}",
  "meta.sharedBy": "Shared by {name}",
  "shared.title": "Shared with me",
  "shared.empty": "Nobody has shared a document with you yet.",
  "trash.title": "Trash",
  "trash.empty": "The trash is empty.",
  "trash.hint": "Items stay 30 days in the trash, then are deleted.",
  "upload.title": "Uploads",
  "upload.waiting": "Waiting",
  "upload.sending": "Sending… {pct} %",
  "upload.done": "Sent",
  "upload.skipped": "Not sent",
  "upload.failed": "Failed",
  "upload.retry": "Try again",
  "upload.cancel": "Cancel sending “{name}”",
  "upload.summary": "Sent: {done} of {total}",
  "upload.offline": "Connection lost: the upload will resume by itself.",
  "upload.tooLarge": "This file is too large ({size}, at most {max}).",
  "upload.quota": "There is not enough room left here ({needed} needed, {available} free).",
  "upload.quotaBigger": "This file is larger than the whole space here ({limit}).",
  "upload.folderSkipped": "Folders cannot be dropped yet: pick the files they hold.",
  "clash.title": "“{name}” already exists here",
  "clash.text": "A file of this folder already has this name. What do you want to do?",
  "clash.replace": "Replace",
  "clash.replaceHint": "The new version replaces the old one (which stays in the history).",
  "clash.keep": "Keep both",
  "clash.keepHint": "The new file is renamed, for example “{example}”.",
  "clash.skip": "Don't send",
  "clash.all": "Do the same for the other duplicate files",
  "share.title": "Share “{name}”",
  "share.who": "With whom?",
  "share.whoHint": "Type the name of a class, a group or a person.",
  "share.placeholder": "E.g. 6A, Martin",
  "share.noResult": "Nobody matches “{q}”.",
  "share.results": "Results",
  "share.chosen": "Chosen: {label}",
  "share.change": "Change",
  "share.role": "They will be able to…",
  "share.submit": "Share",
  "share.done": "Shared with {label}.",
  "share.access": "Who has access",
  "share.nobody": "This folder is not shared with anyone yet.",
  "share.remove": "Remove the access of {label}",
  "share.removed": "{label} no longer has access.",
  "share.roleOf": "Rights of {label}",
  "share.pickFirst": "First choose whom to share with.",
  "share.link": "Access by link",
  "role.viewer": "View",
  "role.viewerHint": "see and download",
  "role.contributor": "Contribute",
  "role.contributorHint": "add, change and delete",
  "role.manager": "Manage",
  "role.managerHint": "do everything, and share",
  "quota.mine": "Space used in My documents",
  "quota.space": "Space used in this space",
  "quota.used": "{used} of {limit}",
  "quota.high": "almost full",
  "quota.full": "full",
  "error.generic": "Something went wrong. Try again.",
  "error.network": "The server cannot be reached. Check your Internet connection, then try again.",
  "error.notFound": "This folder does not exist, or you have no access to it.",
  "error.back": "Back to My documents",
  "size.units": ["B", "KB", "MB", "GB", "TB"],
  "date.today": "today {time}",
  "date.yesterday": "yesterday {time}",
};

const tables = { fr, en };
let current = document.documentElement.lang === "en" ? "en" : "fr";

/** The language in use: "fr" or "en". */
export function lang() { return current; }

/** Switches the language (the caller renders again). */
export function setLang(l) {
  current = l === "en" ? "en" : "fr";
  document.documentElement.lang = current;
}

/** t("toast.created", {name}) is the text in the current language. */
export function t(key, vars = {}) {
  const text = tables[current][key] ?? fr[key] ?? key;
  if (typeof text !== "string") return text;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : ""));
}

const locale = () => (current === "en" ? "en-GB" : "fr-FR");

/** formatSize(3355443) is "3,2 Mo" in French, "3.2 MB" in English (powers of 1024). */
export function formatSize(bytes) {
  const units = t("size.units");
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value) + "\u00a0" + units[unit];
}

/** formatCount(12) is "12 éléments". */
export function formatCount(n) {
  if (n === 0) return t("folder.count.0");
  if (n === 1) return t("folder.count.1");
  return t("folder.count.n", { n: new Intl.NumberFormat(locale()).format(n) });
}

const dayMs = 24 * 3600 * 1000;

/**
 * formatDate is what a person says: "aujourd'hui 14:05", "hier 09:12", "vendredi
 * 18:00" within the week, "3 mars" this year, "3 mars 2024" before.
 */
export function formatDate(iso, now = new Date()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const time = new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(d);
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const ms = d.getTime();
  if (ms >= startOfToday && ms < startOfToday + dayMs) return t("date.today", { time });
  if (ms >= startOfToday - dayMs && ms < startOfToday) return t("date.yesterday", { time });
  if (ms >= startOfToday - 6 * dayMs && ms < startOfToday) {
    const day = new Intl.DateTimeFormat(locale(), { weekday: "long" }).format(d);
    return day + " " + time;
  }
  const opts = { day: "numeric", month: "long" };
  if (d.getFullYear() !== now.getFullYear()) opts.year = "numeric";
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}

/** The full date and time, for a title attribute. */
export function fullDate(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeStyle: "short" }).format(new Date(iso));
}

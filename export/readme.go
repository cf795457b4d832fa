package export

// readmeText is LISEZMOI.txt: what the zip holds, for a person who opens it
// without knowing Cartable's words.
const readmeText = `Vos données dans Cartable
=========================

Ce fichier zip contient tout ce que Cartable garde sur vous, à la date où il a été créé.

- donnees-personnelles.json : vos informations (nom, établissements, classes et groupes),
  les partages et les liens que vous avez faits, vos favoris, les derniers fichiers
  ouverts, vos devoirs (dates, état, notes et appréciations), l'espace utilisé, vos mots
  de passe d'application (leur nom et leur dernière utilisation, jamais le mot de passe)
  et le journal de vos actions (téléchargements, partages...).
- Mes documents : les fichiers et dossiers de votre espace personnel.
- Rendus : votre travail pour chaque devoir, et les corrections rendues par le professeur
  (dossier « Corrigés »).
- Contributions : les fichiers que vous avez déposés dans les espaces de vos classes et
  groupes (seulement les vôtres).

Les éléments placés dans la corbeille et les anciennes versions des fichiers ne sont pas inclus.
Un fichier bloqué par l'antivirus n'est pas inclus : « Fichiers non inclus.txt » le nomme.

Your data in Cartable: donnees-personnelles.json holds your personal data, "Mes documents"
your personal space, "Rendus" your assignment work, "Contributions" the files you added
to class and group spaces. Trashed items and older versions are not included.
`

"""Realistic Sahel news texts shared by several tests (written for them, in the style of the
region's press)."""

from __future__ import annotations

GOITA = (
    "Le président de la transition malienne, le général Assimi Goïta, a reçu lundi à Bamako les "
    "ministres des Affaires étrangères du Burkina Faso et du Niger. Les trois pays de l’Alliance "
    "des États du Sahel préparent leur deuxième sommet ordinaire, prévu en juillet dans la "
    "capitale malienne. Selon un communiqué de la présidence, les discussions ont porté sur la "
    "force unifiée, le passeport commun et la future banque d’investissement de la "
    "confédération. Les ministres ont également évoqué la sécurité des corridors routiers entre "
    "Bamako, Ouagadougou et Niamey, régulièrement visés par des attaques. Une déclaration "
    "commune doit être publiée à l’issue de la rencontre."
)
"""An AES item long enough (over ``teaser_words``) that no page is fetched for it."""

FOOTBALL = (
    "Le Stade malien de Bamako a remporté dimanche soir la finale de la coupe du Mali de "
    "football face au Djoliba, sur le score de deux buts à un, devant plus de vingt mille "
    "spectateurs réunis au stade du 26-Mars. Les supporteurs ont envahi la pelouse au coup de "
    "sifflet final pour célébrer le onzième trophée du club dans cette compétition. "
    "L’entraîneur a salué la solidarité de son groupe après une saison marquée par les "
    "blessures et par un calendrier perturbé. Le club représentera le pays lors de la prochaine "
    "coupe de la Confédération africaine, dont le tirage au sort aura lieu en août."
)
URANIUM = (
    "Le Niger veut exporter son uranium par le port de Cotonou, au Bénin, malgré la fermeture "
    "de la frontière entre les deux pays depuis l’an dernier. Des négociations se sont ouvertes "
    "cette semaine à Niamey entre les ministres des Mines et des Transports des deux voisins. "
    "Les autorités nigériennes espèrent un accord avant la fin de l’année, afin de relancer les "
    "exportations de la mine d’Arlit. Les transporteurs, privés de leur principal débouché, "
    "réclament une réouverture rapide du corridor routier. Une nouvelle réunion technique est "
    "prévue le mois prochain à Cotonou, selon une source proche du dossier."
)
"""Two items a feed's include/exclude words tell apart: football in Bamako, uranium in Niger."""

BACKGROUND = (
    "La région de Tillabéri, située dans la zone dite des « trois frontières » entre le Niger, "
    "le Mali et le Burkina Faso, est régulièrement la cible d'attaques de groupes jihadistes liés "
    "à l'État islamique au Grand Sahara et à Al-Qaïda. Ces violences ont fait des milliers de "
    "morts et contraint des centaines de milliers de personnes à fuir leur foyer depuis 2015. "
    "Les autorités ont décrété l'état d'urgence dans plusieurs départements de la région, où la "
    "circulation des motos est interdite la nuit pour entraver les déplacements des assaillants."
)
"""The background paragraph every report from Tillabéri repeats: two different attacks share it."""

"""The controlled vocabularies: vibe tags (for discovery) and the TMDb movie genres.

Each entry carries a short description: the LLM prompt lists it so tags mean one thing, and the
embedded provider matches a movie's text against it (zero-shot). `related_genres` ties a vibe tag
to the TMDb genres it usually goes with; the embedded provider's agreement test measures it.
"""

from __future__ import annotations

from dataclasses import dataclass

VOCABULARY_VERSION = "v1"


@dataclass(frozen=True)
class Term:
    """One controlled-vocabulary entry."""

    name: str
    description: str
    related_genres: tuple[str, ...] = ()


VIBE_TAGS: tuple[Term, ...] = (
    Term(
        "feel-good",
        "an uplifting, warm, happy film that leaves you smiling",
        ("Comedy", "Family", "Romance"),
    ),
    Term(
        "heartwarming",
        "a touching, tender story about kindness, family and friendship",
        ("Family", "Drama", "Animation"),
    ),
    Term(
        "tearjerker",
        "a sad, emotional, heartbreaking film that makes you cry",
        ("Drama", "Romance"),
    ),
    Term("laugh-out-loud", "a hilarious, very funny comedy full of jokes and gags", ("Comedy",)),
    Term(
        "dark-humor",
        "a darkly comic, cynical, morbid or satirical sense of humour",
        ("Comedy", "Crime"),
    ),
    Term("romantic", "a love story about falling in love, romance and relationships", ("Romance",)),
    Term(
        "slow-burn",
        "a slow, patient, deliberately paced film that builds tension gradually",
        ("Drama", "Thriller", "Mystery"),
    ),
    Term(
        "fast-paced",
        "relentless, energetic, high-speed pacing with no dull moments",
        ("Action", "Thriller"),
    ),
    Term(
        "edge-of-your-seat",
        "suspenseful and tense, nail-biting thrills",
        ("Thriller", "Action", "Horror"),
    ),
    Term(
        "action-packed",
        "explosive action, fights, shootouts, chases and stunts",
        ("Action", "Adventure"),
    ),
    Term(
        "epic",
        "grand in scale, sweeping, spectacular and ambitious",
        ("Adventure", "History", "War", "Fantasy"),
    ),
    Term(
        "mind-bending",
        "a puzzling, twisty, mind-bending plot that plays with reality",
        ("Science Fiction", "Mystery", "Thriller"),
    ),
    Term(
        "thought-provoking",
        "raises big ideas and questions that stay with you",
        ("Drama", "Science Fiction"),
    ),
    Term("scary", "frightening horror with jump scares, monsters, ghosts and dread", ("Horror",)),
    Term(
        "creepy",
        "eerie, unsettling, disturbing and atmospheric horror",
        ("Horror", "Mystery", "Thriller"),
    ),
    Term("gory", "violent, bloody, graphic and gruesome", ("Horror", "Action", "Crime")),
    Term(
        "gritty",
        "raw, bleak, realistic and hard-edged crime or violence",
        ("Crime", "Drama", "Thriller"),
    ),
    Term("dark", "grim, bleak, brooding and pessimistic in tone", ("Drama", "Thriller", "Crime")),
    Term(
        "whodunit",
        "a mystery investigation to find out who committed the crime",
        ("Mystery", "Crime"),
    ),
    Term("heist", "a crew planning and pulling off a robbery or con", ("Crime", "Thriller")),
    Term(
        "inspiring",
        "an inspirational story of courage, perseverance and triumph",
        ("Drama", "History"),
    ),
    Term(
        "true-story",
        "based on real events, a biopic or historical account",
        ("History", "Drama", "Documentary"),
    ),
    Term(
        "family-friendly",
        "suitable for kids and the whole family",
        ("Family", "Animation", "Adventure"),
    ),
    Term(
        "visually-stunning",
        "beautiful cinematography, striking visuals and special effects",
        ("Science Fiction", "Fantasy", "Animation"),
    ),
    Term(
        "magical",
        "wondrous fantasy with magic, myths and enchanted worlds",
        ("Fantasy", "Family", "Animation"),
    ),
    Term(
        "futuristic",
        "science fiction about the future, space, aliens or technology",
        ("Science Fiction",),
    ),
    Term("nostalgic", "a nostalgic classic, retro, old-fashioned charm", ("Family", "Comedy")),
    Term("quirky", "offbeat, eccentric, whimsical and unconventional", ("Comedy",)),
    Term("musical", "songs, music, singing and dancing", ("Music", "Animation")),
    Term("war-torn", "soldiers, battles and the horrors of war", ("War", "History")),
    Term(
        "coming-of-age",
        "a young person growing up, teenage and adolescent life",
        ("Drama", "Comedy"),
    ),
    Term(
        "cult-classic",
        "an odd, campy, so-bad-it's-good film with a devoted following",
        ("Comedy", "Horror"),
    ),
)

TMDB_GENRES: tuple[Term, ...] = (
    Term("Action", "action film with fights, explosions, chases, shootouts and stunts"),
    Term("Adventure", "adventure film with a journey, quest, exploration and treasure"),
    Term("Animation", "animated cartoon film, computer animation or anime"),
    Term("Comedy", "comedy film that is funny, with jokes, gags and humour"),
    Term("Crime", "crime film about gangsters, criminals, police, murder and the mafia"),
    Term("Documentary", "documentary film with real footage and interviews about real people"),
    Term("Drama", "drama film about serious emotional relationships, family and life struggles"),
    Term("Family", "family film for children and parents, kids and friendship"),
    Term("Fantasy", "fantasy film with magic, wizards, dragons, myths and enchanted worlds"),
    Term("History", "historical film set in the past about real historical events and figures"),
    Term("Horror", "horror film with monsters, ghosts, demons, killers, fear and blood"),
    Term("Music", "music film about musicians, bands, singers, songs and concerts"),
    Term("Mystery", "mystery film with a detective investigating secrets and clues"),
    Term("Romance", "romance film about love, couples, dating and marriage"),
    Term(
        "Science Fiction",
        "science fiction film with space, aliens, robots, the future and technology",
    ),
    Term("TV Movie", "a movie made for television broadcast"),
    Term("Thriller", "thriller film with suspense, danger, tension and conspiracy"),
    Term("War", "war film about soldiers, battles, the army and combat"),
    Term("Western", "western film with cowboys, outlaws, sheriffs and the frontier"),
)


def tag_names() -> list[str]:
    """The vibe tags, in vocabulary order."""
    return [term.name for term in VIBE_TAGS]


def genre_names() -> list[str]:
    """The TMDb movie genre names, alphabetical (as TMDb lists them)."""
    return [term.name for term in TMDB_GENRES]

// A pupil's assignment screens: "à rendre" and the hand-in.

/** The pupil's assignments across their classes. */
export async function showPupilList(main) {
  main.textContent = "";
}

/** One assignment, with the pupil's copies and their hand-in. */
export async function showPupilAssignment(main, a) {
  main.textContent = a.title;
}

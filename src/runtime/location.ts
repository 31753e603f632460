// Telling URLs from file paths in what users pass as a location (init(), loadModel()).

/** A string with a URL scheme (not a Windows drive letter such as C:) as a URL; otherwise undefined: a path. */
export function urlOf(location: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]+:/i.test(location)) return undefined;
  try {
    return new URL(location);
  } catch {
    return undefined;
  }
}

/** The media type of a Content-Type header, lower-case, without parameters ('' when absent). */
export function mediaType (header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

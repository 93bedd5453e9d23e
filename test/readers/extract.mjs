// extract.mjs URL: reads a feed with @extractus/feed-extractor, a reader
// nobody on pressfeed wrote, and prints what it understood as JSON. The Go
// tests in cmd/pressfeed run it; install with `npm ci` in this folder.
import { extract } from '@extractus/feed-extractor'

const url = process.argv[2]
try {
  const feed = await extract(url, {
    descriptionMaxLen: 0,
  })
  process.stdout.write(JSON.stringify(feed))
} catch (err) {
  process.stderr.write(`feed-extractor: ${url}: ${err.message}\n`)
  process.exit(1)
}

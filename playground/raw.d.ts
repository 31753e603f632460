// Vite's `?raw` imports: a file's text, bundled into the page.
declare module '*?raw' {
  const text: string;
  export default text;
}

// The one DOM helper the notebook page's modules share.

/** A new `tag` element with `props` assigned and `children` appended. */
export function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}

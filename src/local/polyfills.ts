// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks (Lambda runs 22, where it
// exists). Local mode runs on the developer's Node, so it brings the same polyfill the tests use.
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};

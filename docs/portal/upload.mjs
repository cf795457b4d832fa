// upload() sends a file with tus-js-client, resumably: the same code in a browser
// (file: a File from an <input type="file">) and in Node (a ReadStream of a file).
import { Upload } from "tus-js-client";
import { CartableError } from "./problem.mjs";

// upload resolves to the id of the new item. Without a parent folder the file goes
// to the caller's personal space; a name the folder already has becomes "name (2).ext".
export function upload(file, { base, token, name, parent, onProgress }) {
  return new Promise((resolve, reject) => {
    const tus = new Upload(file, {
      endpoint: `${base}/api/v1/uploads`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: name, ...(parent && { parent }), conflict: "rename" },
      // After a network error it asks where the upload stands and resumes from there.
      retryDelays: [0, 1000, 3000, 5000, 10000],
      onProgress,
      // A refusal (403 read_only_folder, 413 quota_exceeded…) is problem+json, as on
      // every route; tus-js-client has already retried what was worth retrying.
      onError: (err) => {
        const res = err.originalResponse;
        const problem = res?.getHeader("Content-Type") === "application/problem+json";
        reject(problem ? new CartableError(JSON.parse(res.getBody())) : err);
      },
      // The request that finished the upload names the item Cartable made of it.
      onSuccess: ({ lastResponse }) => resolve(lastResponse.getHeader("Cartable-Item-Id")),
    });
    tus.start();
  });
}

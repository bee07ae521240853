import { ReactFlowProvider } from "@xyflow/react";
import { useParams } from "react-router-dom";

import type { Me } from "../api";
import "./designer.css";
import { Workbench } from "./Workbench";

/** The job designer: /jobs/new designs a new job, /jobs/NAME opens job NAME. */
export function Designer({ me }: { me: Me }) {
  const { name } = useParams();
  const job = name ?? null;
  return (
    <ReactFlowProvider key={job ?? "new"}>
      <Workbench me={me} name={job} />
    </ReactFlowProvider>
  );
}

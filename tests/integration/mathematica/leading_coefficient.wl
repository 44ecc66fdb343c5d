cbRun[cbT = Timing[AbsoluteTiming[cbR = {cbLC[cbP[0, 0], cbG[2]], cbLC[cbP[0, 1], cbG[2]]};]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbT = Timing[AbsoluteTiming[Do[cbR = {cbLC[cbP[0, 0], cbG[2]], cbLC[cbP[0, 1], cbG[2]]}, {3}];]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbV = cbLC[cbP[0, 0], cbG[2]], Print["@@C ", cbV]]
cbRun[cbV = cbLC[cbP[0, 1], cbG[2]], Print["@@C ", cbV]]
